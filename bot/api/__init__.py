"""HTTP channel: the FastAPI app (REST API + the Gradio chat on one port)."""
