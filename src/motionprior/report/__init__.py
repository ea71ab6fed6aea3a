"""The experiment report: figures, the embedding picture, sections, HTML and Markdown."""
