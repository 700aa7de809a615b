"""Platform administration: who holds which platform role."""
