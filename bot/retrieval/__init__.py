"""FAQ retrieval: sentence embeddings in a FAISS inner-product index."""
