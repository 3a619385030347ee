"""Drawing a laid-out graph with a QPainter onto any paint device (screen, PNG, SVG, PDF)."""
