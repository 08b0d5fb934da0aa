//! Interview-like text: the vocabulary (plain, accented, CJK words and
//! emoji), participants and their attributes, and transcripts made of
//! timestamped questions and answers.

use std::fmt::Write as _;

use super::rng::Rng;

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

pub(super) const EMOJI: &[&str] = &["🚀", "🤔", "😅", "👍", "🙂", "🤷", "🔥", "📈", "👩‍💻"];

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

pub(super) const PARTICIPANTS: &[&str] = &[
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

/// The participant of one interview.
pub(super) struct Person {
    pub(super) name: &'static str,
    pub(super) role: &'static str,
    pub(super) organization: &'static str,
    pub(super) country: &'static str,
}

impl Person {
    pub(super) fn draw(rng: &mut Rng) -> Person {
        Person {
            name: rng.pick(PARTICIPANTS),
            role: rng.skewed_pick(ROLES),
            organization: rng.pick(ORGANIZATIONS),
            country: rng.skewed_pick(COUNTRIES),
        }
    }
}

/// One transcript's text and its number of words.
pub(super) fn transcript_text(
    rng: &mut Rng,
    id: &str,
    person: &Person,
    target: usize,
) -> (String, usize) {
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
