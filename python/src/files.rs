//! Files: `read`, `convert` and `evaluate` over the formats nerkit reads.

use pyo3::prelude::*;

pub(crate) fn register(_m: &Bound<'_, PyModule>) -> PyResult<()> {
    Ok(())
}
