//! Argument definitions for clap. The same definitions produce `--help`,
//! shell completions (`motif completions SHELL`) and the man page
//! (`motif man`).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// motif — qualitative coding of interview transcripts.
#[derive(Debug, Parser)]
#[command(
    name = "motif",
    version,
    about = "Qualitative coding of interview transcripts, in the terminal",
    long_about = "Qualitative coding of interview transcripts, in the terminal.\n\nRead transcripts, tag passages with codes from a codebook, search themes, pull up quotes and export the tallies. With no command, motif opens the project summary.",
    after_help = "Examples:\n  motif init study && cd study\n  motif import ~/interviews/*.docx\n  motif code p03 --lines 12-14 frameworks\n  motif export frequencies -o freq.json"
)]
pub struct Cli {
    /// The project folder (default: found upward from the current folder).
    #[arg(long, global = true, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Who is coding (default: the project's `coder`, then your user name).
    /// Reports take it as a filter and accept it several times.
    #[arg(long, global = true, value_name = "NAME")]
    pub coder: Vec<String>,
    /// When to use colour in output.
    #[arg(long, global = true, value_enum, default_value = "auto")]
    pub color: ColorChoice,
    /// More detail on stderr (warnings in full).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// No progress or notices on stderr.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a project.
    #[command(after_help = "Example:\n  motif init mloss-study --name \"MLOSS interviews\"")]
    Init {
        /// Folder to create the project in (default: the current folder).
        dir: Option<PathBuf>,
        /// The project's name (default: the folder's name).
        #[arg(long)]
        name: Option<String>,
    },
    /// Add transcripts (.txt, .md, .vtt, .srt, .docx, .pdf; folders are walked).
    #[command(
        after_help = "Examples:\n  motif import interview-07.docx zoom-call.vtt\n  motif import ~/wave2 --into wave2 --attr wave=2\n  motif import p03.txt --replace\n  motif import otter-export.txt --preview\n  motif import notes.txt --speakers Interviewer,Sam"
    )]
    Import(super::import::ImportArgs),
    /// Import a REFI-QDA project (.qdpx) exported by another QDA tool, or by motif.
    #[command(
        name = "import-qdpx",
        after_help = "Examples:\n  motif import-qdpx study.qdpx --into study\n  motif import-qdpx colleague.qdpx --merge\n  motif import-qdpx media.qdpx --into study --allow-external-paths"
    )]
    ImportQdpx(super::refi::ImportQdpxArgs),
    /// Import a REFI-QDA codebook (.qdc) into the project's codebook.
    #[command(
        name = "import-qdc",
        after_help = "Example:\n  motif import-qdc codebook.qdc"
    )]
    ImportQdc(super::refi::ImportQdcArgs),
    /// List transcripts: words, speakers, coding progress.
    #[command(after_help = "Example:\n  motif transcripts --json")]
    Transcripts {
        #[arg(long)]
        json: bool,
    },
    /// The codebook tree with counts; subcommands manage it.
    #[command(
        after_help = "Examples:\n  motif codes\n  motif codes add community/jobs --description \"Contributions leading to hiring\" --key j\n  motif codes merge forums feedback"
    )]
    Codes {
        #[command(subcommand)]
        action: Option<CodesAction>,
        #[arg(long)]
        json: bool,
    },
    /// Read or write a memo on the project (default), a transcript or a code.
    #[command(
        after_help = "Examples:\n  motif memo \"Saturation reached after p09.\"\n  motif memo --code frameworks --edit\n  motif memo --transcript p03"
    )]
    Memo {
        #[command(flatten)]
        target: MemoTargetArgs,
        /// Text to add as a new paragraph (without it, the memo is printed).
        text: Option<String>,
        /// Open the memo in $EDITOR.
        #[arg(long, conflicts_with = "text")]
        edit: bool,
        /// Replace the memo with TEXT instead of adding to it.
        #[arg(long, requires = "text")]
        replace: bool,
    },
    /// Code a span, lines, or every match of a regex in a transcript.
    #[command(
        after_help = "Examples:\n  motif code p03 --chars 120-245 standardization/frameworks\n  motif code p03 --lines 12-14 frameworks community --memo \"the job story\"\n  motif code p07 --match '(?i)paddle\\w*' frameworks\n  motif code --from codings.csv"
    )]
    Code(CodeArgs),
    /// Remove codings that lie within a span (optionally only some codes).
    #[command(after_help = "Example:\n  motif uncode p03 --lines 12-14 frameworks")]
    Uncode {
        #[arg(required_unless_present = "id")]
        transcript: Option<String>,
        /// Code points, 0-based, end-exclusive (A-B).
        #[arg(long, value_name = "A-B", conflicts_with = "lines", required_unless_present_any = ["lines", "id"])]
        chars: Option<String>,
        /// Lines, 1-based, both included (A-B); a leading speaker label is left out.
        #[arg(long, value_name = "A-B")]
        lines: Option<String>,
        /// Remove the coding with this id (as `motif check` lists orphans).
        #[arg(long, value_name = "ID", conflicts_with_all = ["transcript", "chars", "lines", "codes"])]
        id: Option<String>,
        /// Only codings with these codes (default: all of yours in the span).
        codes: Vec<String>,
    },
    /// Undo your last coding change (across sessions).
    Undo,
    /// Redo what `undo` undid.
    Redo,
    /// Coded segments with their text.
    #[command(
        after_help = "Examples:\n  motif segments frameworks --md > quotes.md\n  motif segments --coder ana --transcript p03 --json\n  motif segments --attr role=student --html -o quotes.html"
    )]
    Segments {
        /// Only these codes (their subcodes included).
        codes: Vec<String>,
        #[command(flatten)]
        filter: super::analysis::FilterArgs,
        #[command(flatten)]
        format: FormatArgs,
        /// Write to FILE instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Word frequencies over all text, or only the text coded with some codes.
    #[command(
        after_help = "Examples:\n  motif words --stopwords en\n  motif words --code community --stopwords en --stem --limit 20\n  motif words --attr role=student --json"
    )]
    Words(super::analysis::WordsArgs),
    /// Exports: code frequencies, co-occurrence, matrices, coded segments, REFI-QDA.
    #[command(
        after_help = "Examples:\n  motif export frequencies -o freq.json\n  motif export frequencies --csv --coder ana\n  motif export cooccurrence --unit turn --csv\n  motif export matrix --by role --json"
    )]
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Intercoder agreement: percent agreement, Cohen's kappa, Krippendorff's alpha; disagreements; consensus.
    #[command(
        after_help = "Examples:\n  motif agree --coders ana,ben\n  motif agree --coders ana,ben,cleo --matrix --json\n  motif agree --coders ana,ben --disagreements --overlap 0.5\n  motif agree --coders ana,ben --adopt 3f9a01bc=ana --adopt agreed"
    )]
    Agree(super::agree::AgreeArgs),
    /// Search every transcript: ranked keyword-in-context hits, regex, filters, auto-coding.
    #[command(
        after_help = "Examples:\n  motif search \"open source\" AND framework*\n  motif search 'pytorch OR tensorflow' --speaker JOÃO --attr role=student\n  motif search '(?i)paddle\\w*' --regex --json\n  motif search standardiz* --code community --limit 10\n  motif search \"code of conduct\" --autocode community --dry-run\n  motif search --save paddle 'paddle* OR 飞桨' && motif search @paddle --autocode frameworks"
    )]
    Search(super::search::SearchArgs),
    /// Passages most like a given one, across every transcript (more like this).
    #[command(
        after_help = "Examples:\n  motif similar p03 --chars 120-245\n  motif similar p03 --lines 12-14 --limit 5 --json\n  motif similar p03 --lines 12-14 --autocode frameworks --dry-run"
    )]
    Similar(super::search::SimilarArgs),
    /// Play the recording from the time of the turn at a line or position.
    #[command(
        after_help = "Examples:\n  motif play p03 --line 42\n  motif play p03 --chars 1200-1450 --player 'vlc --start-time={seconds} {file}'\n\nThe recording is the transcript's `media` attribute (a file inside the project).\nThe player is --player, else $MOTIF_PLAYER, else `player` in motif's config.toml,\nelse mpv, vlc or ffplay on the PATH; {file} and {seconds} are filled in."
    )]
    Play(PlayArgs),
    /// Bring the search index up to date (search does it by itself), or rebuild it.
    #[command(after_help = "Examples:\n  motif index\n  motif index --rebuild")]
    Index(super::search::IndexArgs),
    /// Integrity report: orphaned codings, changed transcripts, unknown codes.
    #[command(after_help = "Example:\n  motif check --json")]
    Check {
        #[arg(long)]
        json: bool,
    },
    /// Set an existing project up to merge in git without conflicts: write
    /// .gitattributes and the codebook in its merge-friendly form.
    #[command(
        after_help = "Example:\n  motif git-setup && git add .gitattributes codebooks && git commit"
    )]
    GitSetup,
    /// List coders (codings, first and last activity), or rename one.
    #[command(after_help = "Examples:\n  motif coders\n  motif coders rename Ana ana")]
    Coders {
        #[command(subcommand)]
        action: Option<CodersAction>,
        #[arg(long)]
        json: bool,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  motif completions bash > ~/.local/share/bash-completion/completions/motif"
    )]
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff).
    #[command(after_help = "Example:\n  motif man > motif.1 && man ./motif.1")]
    Man,
}

/// Without `--transcript` or `--code` a memo is the project's (`--project`
/// names the project folder everywhere, so the project memo is the default).
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct MemoTargetArgs {
    /// The project's memo (the default).
    #[arg(long = "on-project")]
    pub on_project: bool,
    /// A transcript's memo.
    #[arg(long, value_name = "T")]
    pub transcript: Option<String>,
    /// A code's memo.
    #[arg(long, value_name = "CODE")]
    pub code: Option<String>,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct SpanArgs {
    /// Code points, 0-based, end-exclusive (A-B).
    #[arg(long, value_name = "A-B")]
    pub chars: Option<String>,
    /// Lines, 1-based, both included (A-B); a leading speaker label is left out.
    #[arg(long, value_name = "A-B")]
    pub lines: Option<String>,
}

#[derive(Debug, Args)]
pub struct CodeArgs {
    /// The transcript (its id, e.g. p03 or wave2/p03).
    #[arg(required_unless_present_any = ["from", "reattach", "accept"])]
    pub transcript: Option<String>,
    /// Codes to apply (path, unique name or id).
    pub codes: Vec<String>,
    /// Code points, 0-based, end-exclusive (A-B).
    #[arg(long, value_name = "A-B", conflicts_with_all = ["lines", "pattern", "from"])]
    pub chars: Option<String>,
    /// Lines, 1-based, both included (A-B); a leading speaker label is left out.
    #[arg(long, value_name = "A-B", conflicts_with_all = ["pattern", "from"])]
    pub lines: Option<String>,
    /// Code every match of this regular expression.
    #[arg(long = "match", value_name = "REGEX", conflicts_with = "from")]
    pub pattern: Option<String>,
    /// A memo on the new codings.
    #[arg(long)]
    pub memo: Option<String>,
    /// Apply many codings from CSV or JSON (the shape `segments` writes).
    #[arg(long, value_name = "FILE")]
    pub from: Option<PathBuf>,
    /// Allow up to N codings from this command (default 1000; more is
    /// refused, saying how many it would make).
    #[arg(long, value_name = "N", conflicts_with = "from")]
    pub max: Option<usize>,
    /// Re-attach your coding ID (orphaned or edited, as `motif check`
    /// lists them) to --chars A-B or --lines A-B of its transcript.
    #[arg(long, value_name = "ID", conflicts_with_all = ["transcript", "codes", "pattern", "from", "memo", "max", "accept"])]
    pub reattach: Option<String>,
    /// Accept your edited coding ID where motif placed it on the new text
    /// (it is anchored there and no longer listed as edited).
    #[arg(long, value_name = "ID", conflicts_with_all = ["transcript", "codes", "chars", "lines", "pattern", "from", "memo", "max"])]
    pub accept: Option<String>,
}

#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct FormatArgs {
    #[arg(long)]
    pub json: bool,
    #[arg(long)]
    pub csv: bool,
    /// Markdown grouped by code.
    #[arg(long)]
    pub md: bool,
    /// One self-contained HTML page: codebook, frequency chart, quotes.
    #[arg(long)]
    pub html: bool,
}

#[derive(Debug, Subcommand)]
pub enum CodersAction {
    /// Rename a coder across journals (into an existing coder: joined).
    Rename { old: String, new: String },
}

#[derive(Debug, Subcommand)]
pub enum CodesAction {
    /// Add a code (its parent must exist).
    Add {
        /// Path of the new code, e.g. community/jobs.
        path: String,
        #[arg(long, short)]
        description: Option<String>,
        /// One-key shortcut.
        #[arg(long, short)]
        key: Option<char>,
        /// The code's colour (#rrggbb).
        #[arg(long, value_name = "#RRGGBB")]
        rgb: Option<String>,
    },
    /// Rename a code (its codings and children follow).
    Rename { code: String, new_name: String },
    /// Move a code under another parent (or to the root with --root).
    Move {
        code: String,
        /// The new parent.
        #[arg(required_unless_present = "root")]
        parent: Option<String>,
        #[arg(long, conflicts_with = "parent")]
        root: bool,
    },
    /// Merge code FROM into INTO: FROM's codings count as INTO.
    Merge { from: String, into: String },
    /// Delete a code (refuses while codings use it, unless --force).
    Delete {
        code: String,
        /// Also remove the codings that use it.
        #[arg(long)]
        force: bool,
    },
    /// Check the codebook: unused codes, codes without definitions, duplicate names.
    Lint {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportWhat {
    /// Code frequencies (motif.frequencies JSON; --csv for CSV).
    Frequencies {
        #[arg(long)]
        csv: bool,
        #[command(flatten)]
        filter: super::analysis::FilterArgs,
        /// Write to FILE instead of standard output.
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Coded segments (like `motif segments`).
    Segments {
        codes: Vec<String>,
        #[command(flatten)]
        filter: super::analysis::FilterArgs,
        #[command(flatten)]
        format: FormatArgs,
        #[arg(short, long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Code co-occurrence (motif.cooccurrence JSON with --json; --csv; default a table).
    #[command(
        after_help = "Examples:\n  motif export cooccurrence --json -o cooc.json\n  motif export cooccurrence --unit turn --attr role=student"
    )]
    Cooccurrence(super::analysis::CooccurrenceArgs),
    /// Segments per code by transcript or attribute (motif.matrix JSON with --json; --csv).
    #[command(
        after_help = "Examples:\n  motif export matrix --by role --csv -o by-role.csv\n  motif export matrix --by transcript --code community --json"
    )]
    Matrix(super::analysis::MatrixArgs),
    /// The whole project as REFI-QDA (.qdpx), for other QDA tools.
    #[command(after_help = "Example:\n  motif export qdpx -o study.qdpx")]
    Qdpx(super::refi::ExportQdpxArgs),
    /// The codebook as REFI-QDA (.qdc).
    #[command(after_help = "Example:\n  motif export qdc -o codebook.qdc")]
    Qdc(super::refi::ExportQdcArgs),
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn definitions_are_consistent() {
        super::Cli::command().debug_assert();
    }
}

/// `motif play`.
#[derive(Debug, clap::Args)]
pub struct PlayArgs {
    /// The transcript.
    pub transcript: String,
    /// The line to play from (1-based).
    #[arg(
        long,
        value_name = "N",
        conflicts_with = "chars",
        required_unless_present = "chars"
    )]
    pub line: Option<usize>,
    /// The passage to play from (code points A-B; playing starts at A).
    #[arg(long, value_name = "A-B")]
    pub chars: Option<String>,
    /// The player, as a template with {file} and {seconds}.
    #[arg(long, value_name = "TEMPLATE")]
    pub player: Option<String>,
}
