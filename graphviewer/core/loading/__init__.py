"""The loaders behind `graphviewer.core.model_file`: sniffing, user scripts, discovery, archives."""
