//! risk (being written)
