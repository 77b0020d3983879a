//! One file per group of endpoints, each exposing `routes()`.

pub mod admin;
pub mod api;
pub mod assign;
pub mod audit;
pub mod auth;
pub mod basemap;
pub mod cases;
pub mod coverage;
pub mod deliveries;
pub mod field;
pub mod fonts;
pub mod hexes;
pub mod import;
pub mod measurement;
pub mod periods;
pub mod profile;
pub mod public;
pub mod rembuk;
pub mod review;
pub mod targets;
pub mod tiles;
pub mod visitees;
pub mod web;
