use motif::core::project::Project;
use motif::core::search::{self, Scope};
use std::time::Instant;
fn main() {
    let p = Project::open(std::path::Path::new("/tmp/bar")).unwrap();
    let (ts, _) = p.transcripts().unwrap();
    let attrs = p.attributes().unwrap();
    for pat in [
        r"(?i)\bframework\w*",
        r"(?i)framework\w*",
        r"framework",
        r"(?i)\bopen[- ]source\b",
    ] {
        let re = regex::Regex::new(pat).unwrap();
        let t0 = Instant::now();
        let n: usize = ts.iter().map(|t| re.find_iter(&t.text).count()).sum();
        let scan = t0.elapsed();
        let t0 = Instant::now();
        let r = search::regex_search(&ts, &attrs, pat, &Scope::default(), Some(50)).unwrap();
        let full = t0.elapsed();
        println!(
            "{pat}: {n} matches, scan {:?}, regex_search {:?} ({} hits)",
            scan, full, r.total
        );
    }
}
