//! `marsad feeds`: the feed registry as a table.

use marsad_pipelines::Feed;

pub fn run() -> anyhow::Result<()> {
    println!(
        "{:<22} {:<7} {:<45} description",
        "feed", "agency", "formats"
    );
    for feed in Feed::ALL {
        println!(
            "{:<22} {:<7} {:<45} {}",
            feed.name(),
            feed.agency(),
            feed.formats(),
            feed.description()
        );
    }
    Ok(())
}
