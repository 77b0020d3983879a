//! One file per group of endpoints, each exposing `routes()`.

pub mod api;
pub mod periods;
pub mod targets;
pub mod tiles;
pub mod web;
