//! An R-tree over bounding boxes: the first, cheap step of every spatial query.
//!
//! Villages (point in polygon, adjacency, raster pixels) and tile features (which
//! features meet a tile) are all found the same way: index each geometry's bounding
//! box once, then ask which boxes meet a query box and test only those exactly.

use geo::{BoundingRect, Rect};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};

type Entry = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// Bounding boxes of a list of geometries, found by their position in the list.
///
/// # Units
/// Whatever the geometries use (WGS84 degrees for villages, world units for tiles).
pub struct BoxIndex(RTree<Entry>);

impl BoxIndex {
    /// Indexes the boxes of `geometries`; a geometry without a box (empty) is never found.
    pub fn new<'a, G>(geometries: impl IntoIterator<Item = &'a G>) -> Self
    where
        G: BoundingRect<f64, Output = Option<Rect<f64>>> + 'a,
    {
        let entries = geometries
            .into_iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let r = g.bounding_rect()?;
                Some(GeomWithData::new(
                    Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                    i,
                ))
            })
            .collect();
        Self(RTree::bulk_load(entries))
    }

    /// Positions of the geometries whose box meets `r` (touching counts), in no order.
    pub fn intersecting(&self, r: Rect<f64>) -> impl Iterator<Item = usize> + '_ {
        let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        self.0.locate_in_envelope_intersecting(env).map(|e| e.data)
    }
}
