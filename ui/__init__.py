"""Gradio web chat (and, later, the admin pages)."""
