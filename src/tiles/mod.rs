//! tiles (being written)
