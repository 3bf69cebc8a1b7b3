//! Design files -> typed documents. Reads files and directories, recognises both document
//! envelopes (Deckhand `schema`/`data` and legacy `apiVersion`/`kind`/`spec`), checks each
//! body against its kind's schema and converts it, keeping file:line for every message.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::model::{DocRef, Document, Kind, Source};
use super::parallel::parallel_map;
use super::schema;
use super::validation::{Level, Message};
use super::yaml::{self, Node};

/// The largest design file read: a 10,000-node site is about 5 MB of YAML, and a bigger
/// file would take memory a design does not need.
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Input that cannot be read at all: the CLI exits 2 on these.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{path}: cannot read: {error}")]
    Read { path: String, error: String },
    #[error(
        "{path}: is {what}, not a regular file: a design is regular YAML files (or directories of them), so fix or remove this entry, or pass the files themselves with -d"
    )]
    NotAFile { path: String, what: String },
    #[error(
        "{path}: {size} bytes, more than the {} MiB drydock reads from one design file: split the design into several files and pass their directory with -d",
        MAX_FILE_BYTES >> 20
    )]
    TooLarge { path: String, size: u64 },
    #[error(
        "{path}: no *.yaml or *.yml files in this directory (subdirectories are not read: pass each with -d)"
    )]
    EmptyDirectory { path: String },
    #[error("{file}:{line}:{col}: YAML syntax error: {message}")]
    Syntax {
        file: String,
        line: u32,
        col: u32,
        message: String,
    },
    /// Input past one of drydock's bounds on memory (alias expansion, nesting); the message
    /// says which and what to do.
    #[error("{file}:{line}:{col}: {message}")]
    Limit {
        file: String,
        line: u32,
        col: u32,
        message: String,
    },
    #[error("{file}:{line}: unknown document schema '{schema}': drydock knows {known} (each /v1)")]
    UnknownKind {
        file: String,
        line: u32,
        schema: String,
        known: String,
    },
}

/// What ingestion produced: the documents that passed, and the messages about those that
/// did not (Drydock's DD000/DD001, reported by the `schema` rule).
#[derive(Debug, Default)]
pub struct Ingested {
    pub documents: Vec<Document>,
    pub issues: Vec<Message>,
}

impl Ingested {
    fn append(&mut self, more: Ingested) {
        self.documents.extend(more.documents);
        self.issues.extend(more.issues);
    }
}

/// Expands `-d` arguments: a file as is, a directory as its `*.yaml`/`*.yml` files, sorted.
/// Anything else given, or named like a design file in a directory (a dangling symlink, a
/// FIFO, a socket, a device), is an error naming it: skipping it would validate part of a
/// design as if it were all of it.
pub fn design_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    for path in paths {
        let shown = path.display().to_string();
        let read_error = |e: std::io::Error| LoadError::Read {
            path: shown.clone(),
            error: e.to_string(),
        };
        let meta = std::fs::metadata(path).map_err(read_error)?;
        if meta.is_file() {
            files.push(path.clone());
            continue;
        }
        if !meta.is_dir() {
            return Err(not_a_file(path, &meta));
        }
        let mut found = Vec::new();
        for entry in std::fs::read_dir(path).map_err(read_error)? {
            let p = entry.map_err(read_error)?.path();
            if !matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
                continue;
            }
            match std::fs::metadata(&p) {
                Ok(m) if m.is_file() => found.push(p),
                // Subdirectories are not read (the empty-directory message says so).
                Ok(m) if m.is_dir() => {}
                Ok(m) => return Err(not_a_file(&p, &m)),
                Err(e) => {
                    return Err(match std::fs::read_link(&p) {
                        Ok(target) => LoadError::NotAFile {
                            path: p.display().to_string(),
                            what: format!(
                                "a dangling symlink (to {}, which cannot be read: {e})",
                                target.display()
                            ),
                        },
                        Err(_) => LoadError::Read {
                            path: p.display().to_string(),
                            error: e.to_string(),
                        },
                    });
                }
            }
        }
        if found.is_empty() {
            return Err(LoadError::EmptyDirectory { path: shown });
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

fn not_a_file(path: &Path, meta: &std::fs::Metadata) -> LoadError {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    let what = if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else {
        "not a file or a directory"
    };
    LoadError::NotAFile {
        path: path.display().to_string(),
        what: what.into(),
    }
}

/// Reads the design at `paths` (files, or directories' `*.yaml`/`*.yml`) as
/// `(file name as given, text)` pairs, in load order.
pub fn read_design(paths: &[PathBuf]) -> Result<Vec<(String, String)>, LoadError> {
    let files = design_files(paths)?;
    parallel_map(&files, |f| read_file(f)).into_iter().collect()
}

/// Ingests design texts (as [`read_design`] returns them) on every core, keeping their
/// order: each file is cut into pieces of whole documents, and the pieces of all files are
/// ingested in parallel (Deckhand renders a whole site as one stream).
pub fn ingest_texts(files: &[(String, String)]) -> Result<Ingested, LoadError> {
    let total: usize = files.iter().map(|(_, text)| text.len()).sum();
    ingest_in_pieces(files, piece_bytes(total))
}

/// Bytes of YAML per piece: a few pieces per core to even out the work, none so small that
/// starting it costs more than it saves.
fn piece_bytes(total: usize) -> usize {
    const SMALLEST: usize = 128 << 10;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores == 1 {
        return usize::MAX;
    }
    (total / (cores * 4)).max(SMALLEST)
}

/// [`ingest_texts`] with pieces of about `piece_bytes` each, read by [`yaml::subset`]. A
/// file any of whose pieces fails (bad YAML, a limit, an unknown kind) is ingested again
/// whole by the event parser alone ([`ingest_text`]), so the error is exactly the one the
/// reference reading gives: a cut may have split the very thing in error, and only the
/// whole file says which error comes first.
pub fn ingest_in_pieces(files: &[(String, String)], piece_bytes: usize) -> Result<Ingested, LoadError> {
    struct Work<'a> {
        file: usize,
        name: Arc<str>,
        piece: yaml::Piece<'a>,
        budget: yaml::AliasBudget,
    }
    let mut work = Vec::new();
    for (file, (name, text)) in files.iter().enumerate() {
        let name: Arc<str> = Arc::from(name.as_str());
        let pieces = yaml::pieces(text, piece_bytes);
        let budget = yaml::AliasBudget::share(pieces.len());
        work.extend(pieces.into_iter().map(|piece| Work {
            file,
            name: name.clone(),
            piece,
            budget,
        }));
    }
    let results = parallel_map(&work, |w| {
        ingest_documents(&w.name, yaml::subset::documents(w.piece, w.budget))
    });
    let mut results = work.iter().map(|w| w.file).zip(results).peekable();
    let mut out = Ingested::default();
    for (file, (name, text)) in files.iter().enumerate() {
        let kept = (out.documents.len(), out.issues.len());
        let mut failed = false;
        while let Some((_, result)) = results.next_if(|(f, _)| *f == file) {
            match result {
                Ok(r) => out.append(r),
                Err(_) => failed = true,
            }
        }
        if failed {
            out.documents.truncate(kept.0);
            out.issues.truncate(kept.1);
            out.append(ingest_text(name, text)?);
        }
    }
    Ok(out)
}

/// Reads and ingests every design file.
pub fn ingest_paths(paths: &[PathBuf]) -> Result<Ingested, LoadError> {
    ingest_texts(&read_design(paths)?)
}

fn read_file(path: &Path) -> Result<(String, String), LoadError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let shown = path.display().to_string();
    let read_error = |e: std::io::Error| LoadError::Read {
        path: shown.clone(),
        error: e.to_string(),
    };
    // Non-blocking, so that a file swapped for a FIFO since it was listed cannot hang the
    // open; what was opened is checked again below.
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(read_error)?;
    let meta = file.metadata().map_err(read_error)?;
    if !meta.is_file() {
        return Err(not_a_file(path, &meta));
    }
    let too_large = |size| LoadError::TooLarge {
        path: shown.clone(),
        size,
    };
    if meta.len() > MAX_FILE_BYTES {
        return Err(too_large(meta.len()));
    }
    // Bounded again while reading: the file may grow after its size was taken.
    // One byte more than the size, so finding the end does not double the buffer.
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    let text = String::from_utf8(bytes).map_err(|e| LoadError::Read {
        path: shown.clone(),
        error: format!(
            "not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        ),
    })?;
    Ok((shown, text))
}

/// Ingests one YAML stream, whole, read by the event parser alone: the reference reading;
/// `file` names it in messages.
pub fn ingest_text(file: &str, text: &str) -> Result<Ingested, LoadError> {
    ingest_documents(
        &Arc::from(file),
        yaml::documents(yaml::Piece::whole(text), yaml::AliasBudget::FILE),
    )
}

fn ingest_documents<'a>(
    file: &Arc<str>,
    documents: impl Iterator<Item = Result<yaml::YamlDocument<'a>, yaml::SyntaxError>>,
) -> Result<Ingested, LoadError> {
    let mut out = Ingested::default();
    for doc in documents {
        let doc = doc.map_err(|e| match e.kind {
            yaml::ErrorKind::Syntax => LoadError::Syntax {
                file: file.to_string(),
                line: e.line,
                col: e.col,
                message: e.message,
            },
            yaml::ErrorKind::Limit => LoadError::Limit {
                file: file.to_string(),
                line: e.line,
                col: e.col,
                message: e.message,
            },
        })?;
        ingest_document(file, doc, &mut out)?;
    }
    Ok(out)
}

fn ingest_document(file: &Arc<str>, doc: yaml::YamlDocument, out: &mut Ingested) -> Result<(), LoadError> {
    let root = &doc.root;
    let source = Source {
        file: file.clone(),
        line: root.line,
    };
    let Some((kind, body)) = envelope(root, &source)? else {
        return Ok(());
    };
    let name = root
        .get("metadata")
        .and_then(|m| m.get("name"))
        .and_then(Node::as_str);
    let docref = DocRef::new(kind, name.unwrap_or("Unknown"));
    let issue = |level: Level, code: &str, message: String, diagnostic: &str, line: u32| Message {
        name: code.to_string(),
        rule: "schema".to_string(),
        message,
        level,
        diagnostic: diagnostic.to_string(),
        documents: vec![docref.clone()],
        source: Some(source.at(line)),
    };
    for d in &doc.duplicates {
        out.issues.push(issue(
            Level::Warning,
            "DD001",
            format!(
                "Duplicate key '{}' (lines {} and {}): the later value is used",
                d.key, d.first_line, d.second_line
            ),
            &format!(
                "Remove one of the two '{}' keys (lines {} and {}).",
                d.key, d.first_line, d.second_line
            ),
            d.second_line,
        ));
    }
    const DD001_DIAG: &str = "Invalid input file - see Drydock Troubleshooting Guide for DD001";
    let null = Node {
        value: yaml::Value::Null,
        line: root.line,
        col: 1,
    };
    let body = body.unwrap_or(&null);
    let violations = schema::validate(kind, body);
    if !violations.is_empty() {
        for v in violations {
            let at = if v.path.is_empty() {
                String::new()
            } else {
                format!(" (at {})", v.path)
            };
            out.issues.push(issue(
                Level::Error,
                "DD001",
                format!("{}:v1 schema validation error: {}{at}", kind.name(), v.message),
                DD001_DIAG,
                v.line,
            ));
        }
        return Ok(());
    }
    const DD000_DIAG: &str =
        "Exception during document processing - see Drydock Troubleshooting Guide for DD000";
    let Some(name) = name else {
        out.issues.push(issue(
            Level::Error,
            "DD000",
            "Error processing document: metadata.name is missing".into(),
            DD000_DIAG,
            root.line,
        ));
        return Ok(());
    };
    match Document::convert(kind, name, &source, body) {
        Ok(d) => out.documents.push(d),
        Err(e) if e.unexpected => out.issues.push(issue(
            Level::Error,
            "DD000",
            format!("Unexpected error processing document: {}", e.message),
            "Unexpected exception during document processing - see Drydock Troubleshooting Guide for DD000",
            e.line,
        )),
        Err(e) => out.issues.push(issue(
            Level::Error,
            "DD000",
            format!("Error processing document: {}", e.message),
            DD000_DIAG,
            e.line,
        )),
    }
    Ok(())
}

/// Recognises a Drydock document and returns its kind and body (`data` or `spec`).
/// Other documents (Deckhand, Promenade, Pegleg, ...) are skipped.
fn envelope<'n, 'a>(
    root: &'n Node<'a>,
    source: &Source,
) -> Result<Option<(Kind, Option<&'n Node<'a>>)>, LoadError> {
    if root.as_map().is_none() {
        if !root.is_null() {
            tracing::debug!(%source, "skipping a document that is not a mapping");
        }
        return Ok(None);
    }
    let unknown = |schema: String| LoadError::UnknownKind {
        file: source.file.to_string(),
        line: source.line,
        schema,
        known: Kind::ALL.map(Kind::schema).join(", "),
    };
    let body = |key: &str| root.get(key).filter(|n| !n.is_null());
    if let Some(schema) = root.get("schema").and_then(Node::as_str) {
        let parts: Vec<&str> = schema.split('/').collect();
        if parts.len() != 3 || parts[0] != "drydock" {
            tracing::debug!(%source, schema, "skipping a document that is not drydock's");
            return Ok(None);
        }
        return match Kind::from_name(parts[1]) {
            Some(kind) if parts[2] == "v1" => Ok(Some((kind, body("data")))),
            _ => Err(unknown(schema.to_string())),
        };
    }
    if let Some(api) = root.get("apiVersion").and_then(Node::as_str) {
        if !matches!(api, "drydock/v1" | "v1.0" | "drydock/v1.0" | "v1") {
            tracing::debug!(%source, api, "skipping a legacy document that is not drydock's");
            return Ok(None);
        }
        let kind_name = root.get("kind").map(Node::python_str).unwrap_or_default();
        return match Kind::from_name(&kind_name) {
            Some(kind) => Ok(Some((kind, body("spec")))),
            None => Err(unknown(format!("{api} kind {kind_name}"))),
        };
    }
    tracing::debug!(%source, "skipping a document with neither schema nor apiVersion");
    Ok(None)
}
