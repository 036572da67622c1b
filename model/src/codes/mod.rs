//! The conformed code lists: the dimensions' single source. The warehouse builds its `dim_*`
//! tables from them; the pipelines' normalisers map what agencies write to these codes.

pub mod ages;
pub mod countries;
pub mod iccs;
pub mod offences;
pub mod periods;
pub mod regions;
pub mod sex;
pub mod sources;
