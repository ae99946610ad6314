"""Business rules that write: stock allocation, orders, images and stock sync, one module each."""
