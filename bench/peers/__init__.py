"""Other software doing the same job, measured on the same machine in the same run."""
