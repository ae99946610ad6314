"""Business rules that write: stock allocation, orders, images and the catalog version, one module each."""
