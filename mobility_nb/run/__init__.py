"""Publishing pages: one pipeline, a cold (papermill) and a warm-kernel engine, batches."""
