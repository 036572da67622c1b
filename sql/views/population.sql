-- population: HCP population by year, region ('MA' for the nation), sex ('_T' for both) and
-- age group ('_T' for all ages).
-- Grain: one row per year × region × sex × age group; the most recently ingested file wins.
-- Inputs: staging.hcp_population, registry.raw_files.
with ranked as (
    select
        p.*,
        row_number() over (
            partition by p.year, p.region_code, p.sex, p.age_group
            order by f.snapshot_id desc, f.sha256 desc
        ) as file_rank
    from staging.hcp_population as p
    inner join registry.raw_files as f on f.sha256 = p._source_sha256
)

select
    year,
    region_code,
    sex,
    age_group,
    population,
    _source_sha256,
    _source_position
from ranked
where file_rank = 1
