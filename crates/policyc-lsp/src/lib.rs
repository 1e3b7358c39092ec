//! The policyc language server (`policyc lsp`): the Language Server Protocol over standard input
//! and output, for editors.
//!
//! It keeps the text of every open document (full synchronisation) and publishes, on every open
//! and change, what `policyc check` reports: errors, and the lints as warnings. Positions are
//! counted in UTF-16 code units, the protocol's default, or in bytes when the client offers UTF-8
//! (`positionEncoding`). Imports resolve relative to the document's folder on disk, as `check`
//! resolves them. The README's "Editor support" section lists what it does.
//!
//! It depends on the `policyc` facade only, and is synchronous (no async runtime): one thread
//! reads messages, one writes them, and the main loop answers them in order.

#![warn(missing_docs)]

pub mod analysis;
pub mod complete;
pub mod diagnostics;
pub mod labels;
pub mod navigate;
mod outline;
pub mod text;
pub mod uri;

use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{
    CodeActionRequest, Completion, DocumentSymbolRequest, Formatting, GotoDefinition, HoverRequest,
    References, Request as _,
};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, CodeActionResponse, ReferenceParams, WorkspaceEdit,
};
use lsp_types::{
    CompletionOptions, CompletionParams, CompletionResponse, DidChangeTextDocumentParams,
    DidCloseTextDocumentParams, DidOpenTextDocumentParams, DocumentFormattingParams,
    DocumentSymbolParams, DocumentSymbolResponse, GotoDefinitionParams, GotoDefinitionResponse,
    Hover, HoverContents, HoverParams, HoverProviderCapability, Location, MarkupContent,
    MarkupKind, OneOf, Position, PositionEncodingKind, PublishDiagnosticsParams, Range,
    ServerCapabilities, TextDocumentPositionParams, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextEdit, Uri,
};
use std::collections::HashMap;
use text::{Encoding, LineIndex};

/// Why the server stopped other than by `shutdown` and `exit`.
#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<lsp_server::ProtocolError> for Error {
    fn from(e: lsp_server::ProtocolError) -> Self {
        Error(format!("language server protocol: {e}"))
    }
}

/// Serve one client over standard input and output until it sends `shutdown` and `exit`.
///
/// An error is a broken connection (standard input closed before `exit`, a message that is not
/// JSON-RPC) or `exit` without `shutdown`; the caller exits non-zero.
pub fn run_stdio() -> Result<(), Error> {
    let (connection, io_threads) = Connection::stdio();
    let result = serve(connection);
    let joined = io_threads
        .join()
        .map_err(|e| Error(format!("reading or writing a message: {e}")));
    result.and(joined)
}

/// Initialise, then answer messages until `shutdown` (and `exit`).
fn serve(connection: Connection) -> Result<(), Error> {
    let (id, params) = connection.initialize_start()?;
    let encoding = negotiate(&params);
    let capabilities = capabilities(encoding);
    let result = serde_json::json!({
        "capabilities": capabilities,
        "serverInfo": { "name": "policyc", "version": env!("CARGO_PKG_VERSION") },
    });
    connection.initialize_finish(id, result)?;
    let mut server = Server {
        connection: &connection,
        encoding,
        docs: HashMap::new(),
    };
    server.main_loop()
}

/// UTF-8 if the client offers it (`capabilities.general.positionEncodings`), else UTF-16.
fn negotiate(params: &serde_json::Value) -> Encoding {
    let offered = params
        .pointer("/capabilities/general/positionEncodings")
        .and_then(|v| v.as_array());
    match offered {
        Some(list) if list.iter().any(|e| e.as_str() == Some("utf-8")) => Encoding::Utf8,
        _ => Encoding::Utf16,
    }
}

fn capabilities(encoding: Encoding) -> ServerCapabilities {
    ServerCapabilities {
        position_encoding: Some(match encoding {
            Encoding::Utf8 => PositionEncodingKind::UTF8,
            Encoding::Utf16 => PositionEncodingKind::UTF16,
        }),
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        document_formatting_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..CodeActionOptions::default()
        })),
        completion_provider: Some(CompletionOptions::default()),
        ..ServerCapabilities::default()
    }
}

/// An open document.
struct Doc {
    text: String,
    index: LineIndex,
    /// Its last text that parsed, and its tree, for completion while the text is being edited.
    parsed: Option<(policyc::ast::File, String)>,
}

struct Server<'c> {
    connection: &'c Connection,
    encoding: Encoding,
    docs: HashMap<Uri, Doc>,
}

impl Server<'_> {
    fn main_loop(&mut self) -> Result<(), Error> {
        while let Ok(msg) = self.connection.receiver.recv() {
            match msg {
                Message::Request(req) => {
                    if self.connection.handle_shutdown(&req)? {
                        return Ok(());
                    }
                    let response = self.request(req);
                    self.send(response.into())?;
                }
                Message::Notification(n) if n.method == "exit" => {
                    return Err(Error("`exit` came before `shutdown`".into()));
                }
                Message::Notification(n) => self.notification(n)?,
                Message::Response(_) => {}
            }
        }
        Err(Error(
            "the client closed the connection without `shutdown` and `exit`".into(),
        ))
    }

    fn send(&self, msg: Message) -> Result<(), Error> {
        self.connection
            .sender
            .send(msg)
            .map_err(|_| Error("the connection to the client is closed".into()))
    }

    fn request(&mut self, req: Request) -> Response {
        match req.method.as_str() {
            Formatting::METHOD => self.answer::<Formatting>(req, Server::format),
            Completion::METHOD => self.answer::<Completion>(req, Server::complete),
            HoverRequest::METHOD => self.answer::<HoverRequest>(req, Server::hover),
            GotoDefinition::METHOD => self.answer::<GotoDefinition>(req, Server::definition),
            References::METHOD => self.answer::<References>(req, Server::references),
            CodeActionRequest::METHOD => {
                self.answer::<CodeActionRequest>(req, Server::code_actions)
            }
            DocumentSymbolRequest::METHOD => {
                self.answer::<DocumentSymbolRequest>(req, Server::outline)
            }
            _ => Response::new_err(
                req.id,
                ErrorCode::MethodNotFound as i32,
                format!("policyc lsp does not answer `{}`", req.method),
            ),
        }
    }

    /// Answer a request with `f`, or with an error if its parameters do not fit.
    fn answer<R: lsp_types::request::Request>(
        &self,
        req: Request,
        f: impl FnOnce(&Self, R::Params) -> R::Result,
    ) -> Response {
        match serde_json::from_value::<R::Params>(req.params) {
            Ok(p) => Response::new_ok(req.id, f(self, p)),
            Err(e) => Response::new_err(
                req.id,
                ErrorCode::InvalidParams as i32,
                format!("the parameters of `{}` do not fit: {e}", R::METHOD),
            ),
        }
    }

    /// The document at a position, parsed, the name written there, and the declarations it
    /// can see.
    fn site(
        &self,
        at: &TextDocumentPositionParams,
    ) -> Option<(&Doc, analysis::Site, analysis::Symbols)> {
        let doc = self.docs.get(&at.text_document.uri)?;
        let file = policyc::parser::parse(&doc.text).ok()?;
        let offset = doc.index.offset(&doc.text, at.position, self.encoding);
        let site = analysis::site_at(&file, offset)?;
        let path = uri::to_path(&at.text_document.uri);
        let symbols = analysis::Symbols::new(&file, &doc.text, path.as_deref());
        Some((doc, site, symbols))
    }

    /// `textDocument/completion`: the declared names and the keywords, or only the values or
    /// units that can come where the cursor is. While the text does not parse, the names of its
    /// last text that did.
    fn complete(&self, p: CompletionParams) -> Option<CompletionResponse> {
        let uri = &p.text_document_position.text_document.uri;
        let doc = self.docs.get(uri)?;
        let symbols = match &doc.parsed {
            Some((file, text)) => analysis::Symbols::new(file, text, uri::to_path(uri).as_deref()),
            None => analysis::Symbols::default(),
        };
        // The text of the cursor's line before it.
        let offset = doc
            .index
            .offset(&doc.text, p.text_document_position.position, self.encoding)
            .min(doc.text.len());
        let before = doc.text.get(..offset).unwrap_or_default();
        let line = before.rsplit('\n').next().unwrap_or_default();
        Some(CompletionResponse::Array(complete::items_at(
            &symbols, line,
        )))
    }

    /// `textDocument/hover`: what the fact, enumeration, value, definition, label, unit or import
    /// under the cursor is.
    fn hover(&self, p: HoverParams) -> Option<Hover> {
        let (doc, site, symbols) = self.site(&p.text_document_position_params)?;
        let value = navigate::hover(&symbols, &site)?;
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            }),
            range: Some(doc.index.range(&doc.text, site.span, self.encoding)),
        })
    }

    /// `textDocument/definition`: where the fact, enumeration, value, definition, parameter or
    /// label under the cursor is declared, in the document or in a library it imports; for an
    /// import, the start of the file it leads to.
    fn definition(&self, p: GotoDefinitionParams) -> Option<GotoDefinitionResponse> {
        let at = &p.text_document_position_params;
        let (doc, site, symbols) = self.site(at)?;
        if let Some(file) = navigate::imported_file(&symbols, &site) {
            let start = Range::new(Position::new(0, 0), Position::new(0, 0));
            return Some(GotoDefinitionResponse::Scalar(Location::new(
                uri::from_path(file)?,
                start,
            )));
        }
        let (file, span) = navigate::definition(&symbols, &site)?;
        let location = self.location(doc, &at.text_document.uri, &symbols, file, span)?;
        Some(GotoDefinitionResponse::Scalar(location))
    }

    /// A location of a span of file `file` of `symbols` (0: the document at `uri`).
    fn location(
        &self,
        doc: &Doc,
        uri: &Uri,
        symbols: &analysis::Symbols,
        file: usize,
        span: policyc::ast::Span,
    ) -> Option<Location> {
        if file == 0 {
            return Some(Location::new(
                uri.clone(),
                doc.index.range(&doc.text, span, self.encoding),
            ));
        }
        let source = symbols.files.get(file)?;
        let uri = uri::from_path(source.path.as_deref()?)?;
        let index = LineIndex::new(&source.text);
        Some(Location::new(
            uri,
            index.range(&source.text, span, self.encoding),
        ))
    }

    /// `textDocument/references`: every place the fact, enumeration, value, definition,
    /// parameter or label under the cursor is written, in the document and its libraries.
    fn references(&self, p: ReferenceParams) -> Option<Vec<Location>> {
        let at = &p.text_document_position;
        let (doc, site, symbols) = self.site(at)?;
        let file = policyc::parser::parse(&doc.text).ok()?;
        let sites = analysis::sites(&file);
        let refs = navigate::references(&symbols, &sites, &site, p.context.include_declaration);
        Some(
            refs.into_iter()
                .filter_map(|(f, span)| {
                    self.location(doc, &at.text_document.uri, &symbols, f, span)
                })
                .collect(),
        )
    }

    /// `textDocument/codeAction`: a quick fix for each diagnostic in the range whose help says
    /// "did you mean `X`?": the misspelt name replaced by `X`.
    fn code_actions(&self, p: CodeActionParams) -> Option<CodeActionResponse> {
        let uri = &p.text_document.uri;
        let doc = self.docs.get(uri)?;
        let path = uri::to_path(uri);
        let from = doc.index.offset(&doc.text, p.range.start, self.encoding);
        let to = doc.index.offset(&doc.text, p.range.end, self.encoding);
        let mut actions = Vec::new();
        for d in diagnostics::check(&doc.text, path.as_deref()) {
            let sp = d.primary.span;
            if sp.end < from || sp.start > to {
                continue;
            }
            let Some((span, with)) = navigate::suggested_fix(&d, &doc.text) else {
                continue;
            };
            let edit = TextEdit::new(
                doc.index.range(&doc.text, span, self.encoding),
                with.clone(),
            );
            let lsp_diag = diagnostics::to_lsp(&d, uri, &doc.text, &doc.index, self.encoding);
            actions.push(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Replace with `{with}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![lsp_diag]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }));
        }
        Some(actions)
    }

    /// `textDocument/documentSymbol`: the outline; none while the text does not parse.
    fn outline(&self, p: DocumentSymbolParams) -> Option<DocumentSymbolResponse> {
        let doc = self.docs.get(&p.text_document.uri)?;
        let file = policyc::parser::parse(&doc.text).ok()?;
        Some(DocumentSymbolResponse::Nested(outline::outline(
            &file,
            &doc.text,
            &doc.index,
            self.encoding,
        )))
    }

    /// `textDocument/formatting`: the canonical layout of `policyc fmt`, as one edit of the whole
    /// text; none when the text is already formatted or does not parse (its diagnostics say why).
    fn format(&self, p: DocumentFormattingParams) -> Option<Vec<TextEdit>> {
        let doc = self.docs.get(&p.text_document.uri)?;
        let Ok(formatted) = policyc::fmt::format_source(&doc.text) else {
            return Some(Vec::new());
        };
        if formatted == doc.text {
            return Some(Vec::new());
        }
        let whole = Range::new(Position::new(0, 0), doc.index.end(&doc.text, self.encoding));
        Some(vec![TextEdit::new(whole, formatted)])
    }

    fn notification(&mut self, n: Notification) -> Result<(), Error> {
        match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                if let Some(p) = params::<DidOpenTextDocumentParams>(n) {
                    let doc = p.text_document;
                    self.open(doc.uri, doc.text, doc.version)?;
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Some(p) = params::<DidChangeTextDocumentParams>(n) {
                    // Full synchronisation: the last change is the whole text.
                    if let Some(change) = p.content_changes.into_iter().last() {
                        self.open(p.text_document.uri, change.text, p.text_document.version)?;
                    }
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Some(p) = params::<DidCloseTextDocumentParams>(n) {
                    self.docs.remove(&p.text_document.uri);
                    self.publish(p.text_document.uri, Vec::new(), None)?;
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// Keep a document's new text and publish its diagnostics.
    fn open(&mut self, uri: Uri, text: String, version: i32) -> Result<(), Error> {
        let index = LineIndex::new(&text);
        let path = uri::to_path(&uri);
        let diags = diagnostics::check(&text, path.as_deref())
            .iter()
            .map(|d| diagnostics::to_lsp(d, &uri, &text, &index, self.encoding))
            .collect();
        let parsed = match policyc::parser::parse(&text) {
            Ok(file) => Some((file, text.clone())),
            Err(_) => self.docs.remove(&uri).and_then(|d| d.parsed),
        };
        self.docs.insert(
            uri.clone(),
            Doc {
                text,
                index,
                parsed,
            },
        );
        self.publish(uri, diags, Some(version))
    }

    fn publish(
        &self,
        uri: Uri,
        diagnostics: Vec<lsp_types::Diagnostic>,
        version: Option<i32>,
    ) -> Result<(), Error> {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        };
        self.send(Notification::new(PublishDiagnostics::METHOD.to_string(), params).into())
    }
}

/// A notification's parameters; a notification whose parameters do not fit is ignored (it has no
/// answer to carry an error).
fn params<P: serde::de::DeserializeOwned>(n: Notification) -> Option<P> {
    serde_json::from_value(n.params).ok()
}
