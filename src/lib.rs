//! sigap: a spatial risk service for stunting reduction.
//!
//! # Code map
//! (being written)

pub mod config;
pub mod demo;
pub mod http;
pub mod index;
pub mod ingest;
pub mod model;
pub mod risk;
pub mod store;
pub mod tiles;
