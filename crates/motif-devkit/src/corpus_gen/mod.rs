//! A deterministic generator of interview-like corpora, for the benchmarks
//! (`cargo bench --bench core`), the `gen_corpus` example and scale tests.
//!
//! [`generate`] writes a complete motif project: `motif.toml` (through
//! [`Project::init`]), a codebook of 40 codes (8 themes of 4 sub-codes, one
//! of them one level deeper), transcripts `transcripts/gNNNN.txt` made of
//! `[hh:mm:ss] SPEAKER: text` turns separated by blank lines (an
//! `INTERVIEWER` and one participant, whose name is often non-ASCII: `JOSÉ`,
//! `ZOË`, `李娜`), `attributes.csv` (role, organization, country, wave) and
//! the coders' journals. The text mixes plain English with accented words,
//! some CJK words and an emoji now and then, in sentences of varying length
//! and answers of one to four paragraphs.
//!
//! [`add_codings`] spreads codings over the transcripts of any project:
//! spans fall on word boundaries (Unicode word segmentation, counted in code
//! points), codes follow a skewed popularity with per-interview favourites,
//! later coders re-code much of what the first coder coded (identically,
//! with another code, or with shifted boundaries) so agreement figures are
//! meaningful, and a few batches are undone. Records go through the real
//! journal ([`Journal::transact`]) in large appends, one fsync each.
//!
//! Everything derives from the seed with a small `SplitMix64` generator and
//! integer arithmetic only: the same spec writes the same bytes, file for
//! file, on every machine.
//!
//! ```no_run
//! use motif_devkit::corpus_gen::{CorpusSpec, generate};
//! let summary = generate(std::path::Path::new("/tmp/corpus"), &CorpusSpec::bar())?;
//! println!("{} transcripts, {} codings", summary.transcripts, summary.codings);
//! # Ok::<(), motif_core::Error>(())
//! ```

use std::collections::HashSet;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use unicode_segmentation::UnicodeSegmentation;

use motif_core::codebook::Codebook;
use motif_core::error::{Error, IoContext, Result};
use motif_core::fsio::atomic_write;
use motif_core::ids::rfc3339;
use motif_core::journal::{Coding, CodingFields, Journal, Record};
use motif_core::project::{DEFAULT_CODEBOOK, Project, check_coder};
use motif_core::segments::anchor;
use motif_core::transcript::Transcript;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorpusSpec {
    /// Number of transcripts.
    pub transcripts: usize,
    /// Approximate number of words per transcript.
    pub words_per_transcript: usize,
    /// Number of codings in total, over all coders.
    pub codings: usize,
    /// The coders; codings are shared evenly between them.
    pub coders: Vec<String>,
    /// Seed of every random choice.
    pub seed: u64,
}

impl CorpusSpec {
    /// The corpus of the bars in the product brief: 1,000 transcripts of
    /// about 10,000 words (about 10 million words) and 100,000 codings over
    /// 40 codes, by two coders.
    pub fn bar() -> CorpusSpec {
        CorpusSpec {
            transcripts: 1_000,
            words_per_transcript: 10_000,
            codings: 100_000,
            coders: vec!["ana".into(), "ben".into()],
            seed: 1,
        }
    }

    fn check(&self) -> Result<()> {
        if self.transcripts == 0 {
            return Err(Error::invalid("a corpus needs at least one transcript"));
        }
        if self.words_per_transcript < 20 {
            return Err(Error::invalid(
                "transcripts need at least 20 words each to look like interviews",
            ));
        }
        check_coders(self.codings, &self.coders)
    }
}

impl Default for CorpusSpec {
    fn default() -> Self {
        CorpusSpec::bar()
    }
}

/// What [`generate`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub root: PathBuf,
    pub transcripts: usize,
    /// Words generated (space-separated tokens, emoji and punctuation not
    /// counted).
    pub words: usize,
    /// Bytes of transcript text.
    pub bytes: u64,
    /// Codes in the codebook.
    pub codes: usize,
    /// Current codings, over all coders.
    pub codings: usize,
    pub coders: Vec<CoderSummary>,
}

/// One coder's share of [`add_codings`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoderSummary {
    pub coder: String,
    /// Codings added (and not undone).
    pub codings: usize,
    /// Journal records written (adds, undone adds, undos).
    pub records: usize,
    /// Batches (undo steps) written, undone ones included.
    pub batches: usize,
}

fn check_coders(codings: usize, coders: &[String]) -> Result<()> {
    if codings > 0 && coders.is_empty() {
        return Err(Error::invalid("codings need at least one coder"));
    }
    let mut seen = HashSet::new();
    for c in coders {
        check_coder(c)?;
        if !seen.insert(c) {
            return Err(Error::invalid(format!("coder `{c}` is listed twice")));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Randomness

/// A `SplitMix64` pseudo-random generator: tiny, fast, and good enough to
/// make text look varied. Not for anything cryptographic.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// An independent generator for sub-stream `stream` (a transcript, a
    /// coder…), so one part's draws never shift another's.
    #[must_use]
    pub fn fork(&self, stream: u64) -> Rng {
        let mut r = Rng(self.0 ^ mix(stream.wrapping_add(0x5851_F42D_4C95_7F2D)));
        r.next_u64();
        r
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// A number in `0..n` (`n` > 0), without modulo bias worth mentioning.
    pub fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.next_u64()) * n as u128) >> 64) as usize
    }

    /// A number in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True `permille` times in a thousand.
    pub fn permille(&mut self, permille: usize) -> bool {
        self.below(1000) < permille
    }

    /// A number in `0..n` that favours small values (the smaller of two
    /// draws): a cheap, integer-only Zipf stand-in.
    pub fn skewed(&mut self, n: usize) -> usize {
        self.below(n).min(self.below(n))
    }

    /// One item of a non-empty slice, favouring the first ones.
    pub fn skewed_pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.skewed(items.len())]
    }

    /// One item of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

// ---------------------------------------------------------------------------
// Vocabulary

const FUNCTION_WORDS: &[&str] = &[
    "the", "and", "I", "to", "we", "that", "it", "was", "of", "a", "so", "like", "you", "just",
    "they", "is", "in", "this", "really", "think", "for", "but", "on", "with", "know", "what",
    "people", "because", "there", "were", "have", "be", "not", "at", "kind", "mean", "it's", "do",
    "lot", "more", "when", "about", "them", "all", "one", "if", "which", "would", "very", "also",
    "had", "then", "our", "out", "get", "how", "things", "some", "much", "did", "can", "actually",
    "right", "sort", "yeah", "um", "uh", "don't", "I'm", "it’s", "they're", "we've", "didn't",
    "you'd", "maybe", "every", "other", "still", "even", "into", "than", "those", "where",
];

const CONTENT_WORDS: &[&str] = &[
    "work",
    "team",
    "time",
    "project",
    "code",
    "paper",
    "idea",
    "problem",
    "year",
    "week",
    "lab",
    "university",
    "company",
    "question",
    "point",
    "way",
    "part",
    "thing",
    "example",
    "reason",
    "moment",
    "decision",
    "experience",
    "students",
    "colleagues",
    "reviewers",
    "users",
    "developers",
    "researchers",
    "maintainers",
    "contributors",
    "started",
    "moved",
    "switched",
    "used",
    "wrote",
    "built",
    "tried",
    "wanted",
    "needed",
    "learned",
    "remember",
    "felt",
    "found",
    "easier",
    "harder",
    "faster",
    "slower",
    "better",
    "worse",
    "different",
    "same",
    "whole",
    "early",
    "later",
    "important",
    "obvious",
    "open",
    "free",
    "new",
    "old",
    "big",
    "small",
    "good",
    "honestly",
    "basically",
    "probably",
    "definitely",
    "eventually",
    "suddenly",
    "together",
    "everyone",
    "nobody",
    "somebody",
    "trust",
    "money",
    "control",
    "freedom",
    "habit",
    "default",
];

const DOMAIN_WORDS: &[&str] = &[
    "model",
    "framework",
    "PyTorch",
    "library",
    "models",
    "TensorFlow",
    "GPU",
    "dataset",
    "benchmark",
    "transformer",
    "JAX",
    "notebook",
    "API",
    "weights",
    "pretrained",
    "fine-tuning",
    "training",
    "inference",
    "pipeline",
    "baseline",
    "leaderboard",
    "GitHub",
    "issue",
    "release",
    "version",
    "license",
    "documentation",
    "tutorial",
    "community",
    "ecosystem",
    "standard",
    "abstraction",
    "autograd",
    "compiler",
    "kernel",
    "CUDA",
    "reproducibility",
    "experiment",
    "hyperparameters",
    "open-source",
    "funding",
    "startup",
    "cloud",
    "hiring",
    "talent",
    "conference",
    "NeurIPS",
    "arXiv",
    "Keras",
    "NumPy",
    "scikit-learn",
    "checkpoint",
    "TPU",
    "cluster",
];

const ACCENTED_WORDS: &[&str] = &[
    "café",
    "naïve",
    "résumé",
    "façade",
    "déjà",
    "über",
    "Zürich",
    "São",
    "Paulo",
    "Montréal",
    "Kraków",
    "jalapeño",
    "rôle",
    "coöperation",
    "élite",
    "señor",
    "smörgåsbord",
    "Ångström",
    "Málaga",
    "Reykjavík",
    "crème",
    "brûlée",
    "Düsseldorf",
    "Göttingen",
    "protégé",
    "cliché",
    "Łódź",
    "İstanbul",
    "garçon",
];

const CJK_WORDS: &[&str] = &[
    "模型",
    "开源",
    "社区",
    "框架",
    "研究",
    "标准化",
    "数据",
    "工程师",
    "论文",
    "深度学习",
    "機械学習",
    "オープンソース",
    "오픈소스",
    "인공지능",
];

const EMOJI: &[&str] = &["🚀", "🤔", "😅", "👍", "🙂", "🤷", "🔥", "📈", "👩‍💻"];

const QUESTION_OPENINGS: &[&str] = &[
    "Could you say more about",
    "How did you come to",
    "What happened when",
    "Why do you think",
    "Can you walk me through",
    "How does that compare with",
    "What would you say about",
    "Was there a moment when",
    "Who decided on",
    "Tell me about",
];

const INTERJECTIONS: &[&str] = &[
    "Mm-hmm.",
    "Right.",
    "Interesting, go on.",
    "Okay.",
    "I see.",
    "Sure, sure.",
    "Ah, d’accord.",
];

const PARTICIPANTS: &[&str] = &[
    "JOSÉ",
    "ZOË",
    "李娜",
    "MARÍA",
    "BJÖRN",
    "AMARA",
    "PRIYA",
    "KENJI",
    "ÇAĞLA",
    "SØREN",
    "OLUWASEUN",
    "DMITRI",
    "FATIMA",
    "NGUYỄN",
    "ANNE-MARIE",
    "SIOBHÁN",
    "JIŘÍ",
    "MEHMET",
    "LUCÍA",
    "RAVI",
    "ŁUKASZ",
    "ÅSA",
    "THÉO",
    "YUKI",
    "WEI",
    "GRETA",
    "SAMIR",
    "HÉLOÏSE",
];

const ROLES: &[&str] = &[
    "research engineer",
    "PhD student",
    "framework maintainer",
    "startup founder",
    "data scientist",
    "professor",
];

const ORGANIZATIONS: &[&str] = &[
    "university",
    "large AI lab",
    "open-source library",
    "ML tooling startup",
    "Acme AI, Inc.",
    "public research institute",
    "non-profit foundation",
];

const COUNTRIES: &[&str] = &[
    "United States",
    "United Kingdom",
    "Germany",
    "Brazil",
    "India",
    "México",
    "Côte d'Ivoire",
    "中国",
    "Japan",
    "Nigeria",
    "Türkiye",
    "España",
];

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

// ---------------------------------------------------------------------------
// Writing the project

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

/// The participant of one interview.
struct Person {
    name: &'static str,
    role: &'static str,
    organization: &'static str,
    country: &'static str,
}

impl Person {
    fn draw(rng: &mut Rng) -> Person {
        Person {
            name: rng.pick(PARTICIPANTS),
            role: rng.skewed_pick(ROLES),
            organization: rng.pick(ORGANIZATIONS),
            country: rng.skewed_pick(COUNTRIES),
        }
    }
}

/// One transcript's text and its number of words.
fn transcript_text(rng: &mut Rng, id: &str, person: &Person, target: usize) -> (String, usize) {
    let mut out = String::with_capacity(target * 7);
    let mut words = 0;
    if rng.permille(333) {
        let _ = write!(
            out,
            "Interview {id} with {}, {}. Recorded remotely; transcribed and lightly edited.\n\n",
            person.name, person.role
        );
    }
    let mut secs = rng.range(2, 30);
    while words < target {
        // The interviewer asks (or just nods along).
        stamp(&mut out, secs, "INTERVIEWER");
        let asked = if rng.permille(80) {
            out.push_str(rng.pick(INTERJECTIONS));
            1
        } else {
            question(rng, &mut out)
        };
        out.push_str("\n\n");
        words += asked;
        secs += asked * 60 / 150 + rng.range(1, 4);
        // The participant answers, in one to four paragraphs.
        stamp(&mut out, secs, person.name);
        let paragraphs = [1, 1, 1, 1, 2, 2, 2, 3, 3, 4][rng.below(10)];
        let mut said = 0;
        for p in 0..paragraphs {
            if p > 0 {
                out.push_str("\n\n");
            }
            for s in 0..rng.range(1, 7) {
                if s > 0 {
                    out.push(' ');
                }
                said += sentence(rng, &mut out);
            }
        }
        out.push_str("\n\n");
        words += said;
        secs += said * 60 / 150 + rng.range(1, 4);
    }
    // One newline at the end of the file, not a blank line.
    out.pop();
    (out, words)
}

fn stamp(out: &mut String, secs: usize, speaker: &str) {
    let _ = write!(
        out,
        "[{:02}:{:02}:{:02}] {speaker}: ",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    );
}

fn word(rng: &mut Rng) -> &'static str {
    match rng.below(1000) {
        0..540 => rng.skewed_pick(FUNCTION_WORDS),
        540..830 => rng.skewed_pick(CONTENT_WORDS),
        830..955 => rng.skewed_pick(DOMAIN_WORDS),
        955..985 => rng.pick(ACCENTED_WORDS),
        _ => rng.pick(CJK_WORDS),
    }
}

fn push_capitalized(out: &mut String, w: &str) {
    let mut chars = w.chars();
    if let Some(first) = chars.next() {
        out.extend(first.to_uppercase());
        out.push_str(chars.as_str());
    }
}

/// Appends a sentence of 4 to 30 words; returns its number of words.
fn sentence(rng: &mut Rng, out: &mut String) -> usize {
    let n = 4 + rng.below(10) + rng.below(18);
    for i in 0..n {
        let w = word(rng);
        if i == 0 {
            push_capitalized(out, w);
        } else {
            out.push(' ');
            out.push_str(w);
        }
        if i + 1 < n && rng.permille(70) {
            out.push(',');
        }
    }
    out.push_str(match rng.below(100) {
        0..78 => ".",
        78..86 => "?",
        86..91 => "!",
        91..96 => "…",
        _ => "...",
    });
    if rng.permille(12) {
        out.push(' ');
        out.push_str(rng.pick(EMOJI));
    }
    n
}

/// Appends an interviewer's question; returns its number of words.
fn question(rng: &mut Rng, out: &mut String) -> usize {
    let mut n = 0;
    if rng.permille(300) {
        n += sentence(rng, out);
        out.push(' ');
    }
    let opening = rng.pick(QUESTION_OPENINGS);
    out.push_str(opening);
    n += opening.split(' ').count();
    for _ in 0..rng.range(2, 12) {
        out.push(' ');
        out.push_str(word(rng));
        n += 1;
    }
    out.push('?');
    n
}

// ---------------------------------------------------------------------------
// Codings

/// A word of a transcript: its turn and its code-point span.
#[derive(Debug, Clone, Copy)]
struct Word {
    turn: usize,
    start: usize,
    end: usize,
}

/// The words of `t`'s turns (what was said, without timestamps and speaker
/// labels), with code-point offsets, and for each turn the range of its
/// words.
fn words_of(t: &Transcript) -> (Vec<Word>, Vec<(usize, usize)>) {
    let mut words = Vec::new();
    let mut turns = Vec::with_capacity(t.turns.len());
    // Walk forward, converting byte offsets to code points as we go.
    let (mut at_byte, mut at_char) = (0, 0);
    for (ti, turn) in t.turns.iter().enumerate() {
        let first = words.len();
        let body = &t.text[turn.body_start..turn.end];
        for (b, w) in body.unicode_word_indices() {
            let b = turn.body_start + b;
            let start = at_char + t.text[at_byte..b].chars().count();
            let end = start + w.chars().count();
            words.push(Word {
                turn: ti,
                start,
                end,
            });
            at_byte = b + w.len();
            at_char = end;
        }
        turns.push((first, words.len()));
    }
    (words, turns)
}

/// A span of whole words: first and last word (inclusive) and the code's
/// position in the codebook.
type Pick = (usize, usize, usize);

/// Chooses a span of words, as a coder would: usually a phrase or a few
/// sentences, sometimes a whole turn.
fn draw_span(rng: &mut Rng, words: &[Word], turns: &[(usize, usize)]) -> (usize, usize) {
    let w = rng.below(words.len());
    let (lo, hi) = turns[words[w].turn];
    let len = match rng.below(100) {
        0..30 => rng.range(2, 8),
        30..75 => rng.range(8, 40),
        75..95 => rng.range(40, 150),
        _ => return (lo, hi - 1),
    };
    (w, (w + len - 1).min(hi - 1))
}

/// Chooses a code: mostly one of the interview's favourites, otherwise by
/// overall popularity.
fn draw_code(rng: &mut Rng, favourites: &[usize], popularity: &[usize]) -> usize {
    if rng.permille(650) {
        rng.pick(favourites)
    } else {
        rng.skewed_pick(popularity)
    }
}

/// A coding drawn for one coder on one transcript.
fn fresh(
    rng: &mut Rng,
    words: &[Word],
    turns: &[(usize, usize)],
    favourites: &[usize],
    popularity: &[usize],
) -> Pick {
    let (a, b) = draw_span(rng, words, turns);
    (a, b, draw_code(rng, favourites, popularity))
}

/// A second coder's take on a first coder's coding: the same, another
/// code, or boundaries a few words off (within the same turn).
fn variant(
    rng: &mut Rng,
    of: Pick,
    words: &[Word],
    turns: &[(usize, usize)],
    favourites: &[usize],
    popularity: &[usize],
) -> Pick {
    let (a, b, code) = of;
    match rng.below(100) {
        0..65 => of,
        65..80 => (a, b, draw_code(rng, favourites, popularity)),
        _ => {
            let (lo, hi) = turns[words[a].turn];
            let a2 = if rng.permille(500) {
                a.saturating_sub(rng.range(1, 3)).max(lo)
            } else {
                (a + rng.range(1, 3)).min(b)
            };
            let b2 = if rng.permille(500) {
                (b + rng.range(1, 3)).min(hi - 1)
            } else {
                b.saturating_sub(rng.range(1, 3)).max(a2)
            };
            (a2, b2, code)
        }
    }
}

/// Splits `total` over `weights` exactly (largest share first for the
/// remainder, in order).
fn allocate(total: usize, weights: &[usize]) -> Vec<usize> {
    let sum: usize = weights.iter().sum();
    if sum == 0 {
        return vec![0; weights.len()];
    }
    let mut out: Vec<usize> = weights
        .iter()
        .map(|w| (total as u128 * *w as u128 / sum as u128) as usize)
        .collect();
    let mut left = total - out.iter().sum::<usize>();
    let n = out.len();
    let mut i = 0;
    while left > 0 {
        out[i % n] += 1;
        left -= 1;
        i += 1;
    }
    out
}

/// Records are appended in chunks of this many (one write and one fsync
/// each).
const CHUNK: usize = 20_000;

/// One coder's journal being written.
struct Writer {
    journal: Journal,
    coder: String,
    rng: Rng,
    pending: Vec<Record>,
    ids: HashSet<String>,
    clock: u64,
    summary: CoderSummary,
}

impl Writer {
    fn id(&mut self) -> String {
        loop {
            let id = format!("{:012x}", self.rng.next_u64() & 0xFFFF_FFFF_FFFF);
            if self.ids.insert(id.clone()) {
                return id;
            }
        }
    }

    fn coding(&mut self, t: &Transcript, start: usize, end: usize, code: &str) -> Coding {
        let memo = self.rng.permille(30).then(|| {
            format!(
                "Compare with the other interviews — same framing? ({})",
                t.id
            )
        });
        Coding::new(CodingFields {
            id: &self.id(),
            transcript: &t.id,
            start,
            end,
            code,
            coder: &self.coder,
            time: &rfc3339(self.clock),
            memo: memo.as_deref(),
            anchor: anchor(t, start, end),
        })
    }

    /// Queues `picks` (codings on `t`) as batches of one to five, with now
    /// and then a mistaken batch that is undone at once; appends to the
    /// journal once enough records are queued.
    fn write(
        &mut self,
        t: &Transcript,
        book: &Codebook,
        picks: &[Pick],
        words: &[Word],
    ) -> Result<()> {
        let code_id = |pos: usize| book.codes()[pos].id.as_str();
        let mut next = 0;
        while next < picks.len() {
            let size = match self.rng.below(100) {
                0..85 => 1,
                85..95 => 2,
                _ => self.rng.range(3, 5),
            };
            self.clock += self.rng.range(5, 180) as u64;
            let batch = self.id();
            for &(first, last, pos) in &picks[next..(next + size).min(picks.len())] {
                let coding = self.coding(t, words[first].start, words[last].end, code_id(pos));
                self.pending.push(Record::add(&batch, &coding));
            }
            next += size;
            self.summary.batches += 1;
            if self.rng.permille(7) {
                // A slip, undone right away.
                self.clock += self.rng.range(2, 20) as u64;
                let (first, last, pos) = picks[self.rng.below(picks.len())];
                let slip = self.id();
                let coding = self.coding(
                    t,
                    words[first].start,
                    words[last].end,
                    code_id((pos + 1) % book.len()),
                );
                self.pending.push(Record::add(&slip, &coding));
                self.clock += self.rng.range(1, 10) as u64;
                self.pending.push(Record::Undo {
                    batch: slip,
                    time: rfc3339(self.clock),
                });
                self.summary.batches += 1;
            }
        }
        if self.pending.len() >= CHUNK {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<()> {
        let records = std::mem::take(&mut self.pending);
        if records.is_empty() {
            return Ok(());
        }
        self.summary.records += records.len();
        self.journal.transact(move |_| Ok((records, ())))
    }
}

/// Adds `count` codings, shared evenly between `coders`, over the
/// transcripts of `project`, through the coders' journals. Works on any
/// project whose codebook has codes; returns what each coder got.
pub fn add_codings(
    project: &Project,
    count: usize,
    coders: &[String],
    seed: u64,
) -> Result<Vec<CoderSummary>> {
    check_coders(count, coders)?;
    let book = project.codebook()?;
    if count > 0 && book.is_empty() {
        return Err(Error::invalid("the codebook has no codes to code with"));
    }
    let (transcripts, bad) = project.transcripts()?;
    if let Some(e) = bad.into_iter().next() {
        return Err(e);
    }
    if count > 0 && transcripts.is_empty() {
        return Err(Error::invalid("the project has no transcripts to code"));
    }
    let root = Rng::new(seed);
    let mut rng = root.fork(0);
    // Popularity of codes: a fixed shuffle of the codebook.
    let mut popularity: Vec<usize> = (0..book.len()).collect();
    for i in (1..popularity.len()).rev() {
        popularity.swap(i, rng.below(i + 1));
    }
    let weights: Vec<usize> = transcripts.iter().map(|_| rng.range(50, 150)).collect();
    let shares = allocate(count, &vec![1; coders.len()]);
    let per_coder: Vec<Vec<usize>> = shares.iter().map(|&s| allocate(s, &weights)).collect();
    let mut writers = Vec::with_capacity(coders.len());
    for (k, coder) in coders.iter().enumerate() {
        let journal = project.journal(coder)?;
        let before = journal.len();
        writers.push((
            Writer {
                journal,
                coder: coder.clone(),
                rng: root.fork(1 + k as u64),
                pending: Vec::new(),
                ids: HashSet::new(),
                // 2026-01-05T09:00:00Z, then a week later for each coder.
                clock: 1_767_603_600 + 7 * 86_400 * k as u64,
                summary: CoderSummary {
                    coder: coder.clone(),
                    codings: 0,
                    records: 0,
                    batches: 0,
                },
            },
            before,
        ));
    }
    let mut carry = vec![0; coders.len()];
    for (ti, t) in transcripts.iter().enumerate() {
        let (words, turns) = words_of(t);
        for (k, c) in carry.iter_mut().enumerate() {
            *c += per_coder[k][ti];
        }
        if words.is_empty() {
            continue;
        }
        let mut trng = root.fork(1_000_000 + ti as u64);
        let favourites: Vec<usize> = (0..6).map(|_| trng.skewed_pick(&popularity)).collect();
        let mut first: Vec<Pick> = Vec::new();
        for (k, (w, _)) in writers.iter_mut().enumerate() {
            let want = std::mem::take(&mut carry[k]);
            let mut picks = Vec::with_capacity(want);
            let mut seen = HashSet::with_capacity(want);
            let mut attempts = 0;
            while picks.len() < want {
                attempts += 1;
                if attempts > 100 * want + 1_000 {
                    return Err(Error::invalid(format!(
                        "cannot place {want} distinct codings on `{}`: it is too short",
                        t.id
                    )));
                }
                let p = if k > 0 && !first.is_empty() && trng.permille(600) {
                    let of = trng.pick(&first);
                    variant(&mut trng, of, &words, &turns, &favourites, &popularity)
                } else {
                    fresh(&mut trng, &words, &turns, &favourites, &popularity)
                };
                if seen.insert((words[p.0].start, words[p.1].end, p.2)) {
                    picks.push(p);
                }
            }
            w.write(t, &book, &picks, &words)?;
            if k == 0 {
                first = picks;
            }
        }
    }
    if carry.iter().any(|&c| c > 0) {
        return Err(Error::invalid(
            "the last transcripts have no words to code; nothing more could be placed",
        ));
    }
    let mut out = Vec::with_capacity(writers.len());
    for (mut w, before) in writers {
        w.flush()?;
        w.summary.codings = w.journal.len() - before;
        out.push(w.summary);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use motif_core::segments::Filter;
    use motif_core::workspace::Workspace;

    fn small(seed: u64) -> CorpusSpec {
        CorpusSpec {
            transcripts: 3,
            words_per_transcript: 400,
            codings: 61,
            coders: vec!["ana".into(), "ben".into()],
            seed,
        }
    }

    /// Every file under `root` but derived data (`.motif/`, whose caches
    /// record times), by relative path, with its bytes.
    fn files(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
        fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<PathBuf, Vec<u8>>) {
            for e in fs::read_dir(dir).unwrap() {
                let p = e.unwrap().path();
                if p.file_name().is_some_and(|n| n == ".motif") {
                    continue;
                }
                if p.is_dir() {
                    walk(base, &p, out);
                } else {
                    out.insert(p.strip_prefix(base).unwrap().into(), fs::read(&p).unwrap());
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(root, root, &mut out);
        out
    }

    #[test]
    fn same_seed_same_bytes_other_seed_other_text() {
        let tmp = tempfile::tempdir().unwrap();
        let a = generate(&tmp.path().join("a"), &small(7)).unwrap();
        let b = generate(&tmp.path().join("b"), &small(7)).unwrap();
        let c = generate(&tmp.path().join("c"), &small(8)).unwrap();
        let (fa, fb, fc) = (files(&a.root), files(&b.root), files(&c.root));
        assert!(fa.contains_key(Path::new("codings/ana.jsonl")));
        assert!(fa.contains_key(Path::new("transcripts/g0002.txt")));
        assert_eq!(fa, fb);
        assert_eq!(a.words, b.words);
        let t = Path::new("transcripts/g0001.txt");
        assert_ne!(fa[t], fc[t]);
        // The codebook does not depend on the seed; the journals do.
        let book = Path::new(DEFAULT_CODEBOOK);
        assert_eq!(fa[book], fc[book]);
        assert_ne!(
            fa[Path::new("codings/ana.jsonl")],
            fc[Path::new("codings/ana.jsonl")]
        );
    }

    #[test]
    fn counts_are_as_requested_and_spans_fall_on_words() {
        let tmp = tempfile::tempdir().unwrap();
        let spec = small(3);
        let s = generate(tmp.path(), &spec).unwrap();
        assert_eq!((s.transcripts, s.codes, s.codings), (3, 40, 61));
        let by_coder: Vec<(&str, usize)> = s
            .coders
            .iter()
            .map(|c| (c.coder.as_str(), c.codings))
            .collect();
        assert_eq!(by_coder, vec![("ana", 31), ("ben", 30)]);
        assert!(
            s.words >= 3 * 400 && s.words < 3 * (400 + 900),
            "{}",
            s.words
        );

        let ws = Workspace::load(Project::open(tmp.path()).unwrap()).unwrap();
        assert!(ws.warnings().is_empty(), "{:?}", ws.warnings());
        assert_eq!(ws.book.len(), 40);
        assert_eq!(ws.book.codes().iter().filter(|c| c.depth() == 0).count(), 8);
        assert!(
            ws.book
                .by_path("standardization/frameworks/convergence")
                .is_some()
        );
        assert_eq!(ws.transcripts.len(), 3);
        assert_eq!(ws.coders(), vec!["ana".to_owned(), "ben".to_owned()]);
        let total: usize = ws.journals.iter().map(Journal::len).sum();
        assert_eq!(total, 61);
        assert_eq!(
            ws.attributes.names,
            vec!["role", "organization", "country", "wave"]
        );
        assert_eq!(ws.attributes.rows.len(), 3);
        assert!(ws.attributes.of("g0003").contains_key("role"));

        for t in ws.transcripts.values() {
            let speakers = t.speakers();
            assert_eq!(speakers.len(), 2, "{}: {speakers:?}", t.id);
            assert_eq!(speakers[0], "INTERVIEWER");
            assert!(PARTICIPANTS.contains(&speakers[1].as_str()));
        }

        let (segs, unplaced) = ws.segments(&Filter::default());
        assert!(unplaced.is_empty());
        assert_eq!(segs.len(), 61);
        for seg in &segs {
            let t = &ws.transcripts[seg.coding.transcript.as_str()];
            let quote = t.slice_chars(seg.start, seg.end).unwrap();
            assert_eq!(quote, seg.coding.anchor.quote);
            let first = quote.chars().next().unwrap();
            let last = quote.chars().last().unwrap();
            assert!(first.is_alphanumeric(), "starts mid-punctuation: {quote:?}");
            assert!(last.is_alphanumeric(), "ends mid-punctuation: {quote:?}");
            if seg.start > 0 {
                let before = t.slice_chars(seg.start - 1, seg.start).unwrap();
                assert!(
                    !before.chars().all(char::is_alphanumeric),
                    "starts mid-word: {quote:?}"
                );
            }
            if seg.end < t.char_len() {
                let after = t.slice_chars(seg.end, seg.end + 1).unwrap();
                assert!(
                    !after.chars().all(char::is_alphanumeric),
                    "ends mid-word: {quote:?}"
                );
            }
        }
    }

    #[test]
    fn the_text_mixes_scripts() {
        let mut rng = Rng::new(11);
        let person = Person::draw(&mut rng);
        let (text, words) = transcript_text(&mut rng, "g0001", &person, 20_000);
        assert!(words >= 20_000);
        assert!(
            text.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c)),
            "no CJK"
        );
        assert!(text.contains('é') || text.contains('ü') || text.contains('ç'));
        assert!(EMOJI.iter().any(|e| text.contains(e)), "no emoji");
        assert!(text.contains("\n\n[") && text.starts_with(['[', 'I']));
        assert!(!text.contains('\r') && text.ends_with('\n') && !text.ends_with("\n\n"));
        let t = Transcript::new("g0001", text);
        assert!(t.turns.len() > 50);
        assert!(
            t.turns
                .iter()
                .all(|turn| turn.speaker.is_some() || turn.start == 0)
        );
    }

    #[test]
    fn rng_is_deterministic_and_spread() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        let xs: Vec<u64> = (0..100).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..100).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert_ne!(
            Rng::new(42).fork(1).next_u64(),
            Rng::new(42).fork(2).next_u64()
        );
        let mut counts = [0usize; 10];
        let mut r = Rng::new(5);
        for _ in 0..10_000 {
            counts[r.below(10)] += 1;
        }
        assert!(
            counts.iter().all(|&c| (900..1100).contains(&c)),
            "{counts:?}"
        );
        assert_eq!(allocate(10, &[1, 1, 1]), vec![4, 3, 3]);
        assert_eq!(allocate(7, &[100, 0, 300]).iter().sum::<usize>(), 7);
    }

    #[test]
    fn bad_specs_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let mut spec = small(1);
        spec.coders = vec!["ana".into(), "ana".into()];
        assert!(
            generate(tmp.path(), &spec)
                .unwrap_err()
                .to_string()
                .contains("twice")
        );
        spec.coders = vec!["../x".into()];
        assert!(generate(tmp.path(), &spec).is_err());
        spec.coders = Vec::new();
        assert!(
            generate(tmp.path(), &spec)
                .unwrap_err()
                .to_string()
                .contains("coder")
        );
        assert!(!tmp.path().join("motif.toml").exists());
    }
}
