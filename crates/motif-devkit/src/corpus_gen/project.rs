//! Writing a whole project: `motif.toml`, the codebook of 40 codes, the
//! transcripts, `attributes.csv` and the coders' journals.

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

use motif_core::codebook::Codebook;
use motif_core::error::{Error, IoContext, Result};
use motif_core::fsio::atomic_write;
use motif_core::project::{DEFAULT_CODEBOOK, Project};

use super::codings::add_codings;
use super::rng::Rng;
use super::spec::{CorpusSpec, Summary};
use super::text::{Person, transcript_text};

/// The codebook: 8 themes with 4 codes under each (one of them a
/// grandchild), 40 codes in all.
const CODES: &[(&str, &str)] = &[
    (
        "standardization",
        "Practitioners converging on the same tools, model families or ways of working.",
    ),
    (
        "standardization/model types",
        "One model family becoming the expected starting point across tasks.",
    ),
    (
        "standardization/frameworks",
        "Teams or fields settling on one deep-learning framework.",
    ),
    (
        "standardization/frameworks/convergence",
        "The moment a field tips toward one framework: \"everyone was already on it\".",
    ),
    (
        "standardization/user experience",
        "Shared conventions of interfaces, APIs and workflows.",
    ),
    (
        "experimentation",
        "How open tools change the way ideas are tried out.",
    ),
    (
        "experimentation/rapid prototyping",
        "Going from idea to running code in hours.",
    ),
    (
        "experimentation/reproducibility",
        "Re-running, checking and building on published results.",
    ),
    (
        "experimentation/benchmarks",
        "Leaderboards and baselines steering what gets tried.",
    ),
    (
        "experimentation/compute constraints",
        "What can be tried with the hardware at hand.",
    ),
    (
        "community",
        "The people around a project and how they take part.",
    ),
    (
        "community/users become contributors",
        "Users filing issues, then sending fixes, then maintaining.",
    ),
    (
        "community/feedback",
        "Issues, forums and conversations that shape a tool.",
    ),
    (
        "community/educational material",
        "Tutorials, courses, books and notebooks.",
    ),
    (
        "community/jobs",
        "Open-source work as a path into jobs, and jobs that require it.",
    ),
    (
        "business incentives",
        "Why companies fund and release open-source ML software.",
    ),
    (
        "business incentives/talent acquisition",
        "Open source as a way to attract and train people.",
    ),
    (
        "business incentives/ecosystem control",
        "Owning the default tool to steer an ecosystem.",
    ),
    (
        "business incentives/complements",
        "Free software that sells hardware, cloud or services.",
    ),
    (
        "business incentives/open core",
        "Free base, paid extensions; the line between them.",
    ),
    (
        "sociotechnical forces",
        "Forces that are neither purely technical nor purely social.",
    ),
    (
        "sociotechnical forces/most usable tool wins",
        "Usability beating performance or features.",
    ),
    (
        "sociotechnical forces/code wants to be standardized",
        "Some code converges on one implementation by its nature.",
    ),
    (
        "sociotechnical forces/research interest",
        "Where research attention goes, tools follow.",
    ),
    (
        "sociotechnical forces/network effects",
        "The more people use a tool, the more useful it becomes.",
    ),
    (
        "ideology",
        "Beliefs about openness, science and technology.",
    ),
    ("ideology/openness", "Openness as a value in itself."),
    (
        "ideology/democratization",
        "Making AI available to everyone, and doubts about that claim.",
    ),
    (
        "ideology/scepticism",
        "Doubt about hype, motives or the open label.",
    ),
    (
        "ideology/techno-optimism",
        "Faith that more capable tools make things better.",
    ),
    ("governance", "Who decides what happens to a project."),
    (
        "governance/foundations",
        "Foundations and neutral homes for projects.",
    ),
    (
        "governance/maintainer burden",
        "The unpaid, unseen work of keeping a project alive.",
    ),
    (
        "governance/licensing",
        "Licences, their choice and their effects.",
    ),
    (
        "governance/codes of conduct",
        "Rules for behaviour and how they are enforced.",
    ),
    (
        "infrastructure",
        "The material basis: hardware, data, platforms.",
    ),
    (
        "infrastructure/hardware",
        "Accelerators and their software stacks.",
    ),
    (
        "infrastructure/cloud",
        "Renting compute and what that changes.",
    ),
    (
        "infrastructure/datasets",
        "Shared data sets and their provenance.",
    ),
    (
        "infrastructure/café conversations",
        "Informal exchanges — meetups, chats, hallway talk — that spread practices.",
    ),
];

/// Writes a corpus as a new motif project in `dir` (created if needed; it
/// must not hold a project yet). The transcripts are written with plain
/// writes, without the fsyncs of an import: the corpus is disposable and
/// quick to regenerate; the journals go through the journal as usual.
pub fn generate(dir: &Path, spec: &CorpusSpec) -> Result<Summary> {
    spec.check()?;
    let project = Project::init(dir, Some(&format!("generated corpus, seed {}", spec.seed)))?;
    let book = write_codebook(&project)?;
    let root = Rng::new(spec.seed);
    let width = spec.transcripts.to_string().len().max(4);
    let mut attributes = csv::Writer::from_writer(Vec::new());
    csv_row(
        &mut attributes,
        &["id", "role", "organization", "country", "wave"],
    )?;
    let mut words = 0;
    let mut bytes = 0;
    let dir = project.transcripts_dir();
    for i in 0..spec.transcripts {
        let id = format!("g{:0width$}", i + 1);
        let mut rng = root.fork(i as u64);
        let person = Person::draw(&mut rng);
        let (text, n) = transcript_text(&mut rng, &id, &person, spec.words_per_transcript);
        let path = dir.join(format!("{id}.txt"));
        fs::write(&path, &text).at(&path)?;
        words += n;
        bytes += text.len() as u64;
        let wave = if i < spec.transcripts.div_ceil(2) {
            "1"
        } else {
            "2"
        };
        csv_row(
            &mut attributes,
            &[&id, person.role, person.organization, person.country, wave],
        )?;
    }
    let csv_bytes = attributes
        .into_inner()
        .map_err(|e| Error::invalid(format!("attributes table: {e}")))?;
    atomic_write(&project.root.join("attributes.csv"), &csv_bytes)?;
    let coders = add_codings(&project, spec.codings, &spec.coders, root.fork(u64::MAX).0)?;
    Ok(Summary {
        root: project.root.clone(),
        transcripts: spec.transcripts,
        words,
        bytes,
        codes: book.len(),
        codings: coders.iter().map(|c| c.codings).sum(),
        coders,
    })
}

fn csv_row(w: &mut csv::Writer<Vec<u8>>, row: &[&str]) -> Result<()> {
    w.write_record(row)
        .map_err(|e| Error::invalid(format!("attributes table: {e}")))
}

/// Writes the 40-code codebook. The codes get the ids motif derives from
/// their paths, so the file is the same on every run.
fn write_codebook(project: &Project) -> Result<Codebook> {
    let mut toml = String::new();
    let mut parent_key = 0;
    for (path, description) in CODES {
        let _ = write!(
            toml,
            "[[codes]]\npath = {}\ndescription = {}\n",
            toml_string(path),
            toml_string(description)
        );
        if !path.contains('/') {
            parent_key += 1;
            let _ = writeln!(toml, "key = \"{parent_key}\"");
        }
        toml.push('\n');
    }
    let path = project.root.join(DEFAULT_CODEBOOK);
    let book = Codebook::parse(&toml, &path)?;
    book.save()?;
    Ok(book)
}

fn toml_string(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}
