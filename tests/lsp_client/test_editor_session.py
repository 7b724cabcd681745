"""An editor session with `schemaguard lsp`, through pytest-lsp's client (pygls): open
a migration of a small history, see its diagnostics, edit it and see them change, hover
a statement and read its locks, apply the fix code action and see the diagnostic go."""

import asyncio
import os
import pathlib

import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

BINARY = os.environ["SCHEMAGUARD_BIN"]

ORDERS = "CREATE TABLE orders (id bigint PRIMARY KEY, total int);\n"
INDEX = "SET lock_timeout = '2s';\nCREATE INDEX orders_total_idx ON orders (total);\n"
CHECK = (
    "SET lock_timeout = '2s';\n"
    "ALTER TABLE orders ADD CONSTRAINT positive CHECK (total > 0);\n"
)


@pytest_lsp.fixture(config=ClientServerConfig(server_command=[BINARY, "lsp"]))
async def client(lsp_client: LanguageClient):
    # as VS Code does: take the file watchers the server registers
    lsp_client.registrations = []

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def register(params: types.RegistrationParams):
        lsp_client.registrations.extend(params.registrations)

    yield
    await lsp_client.shutdown_session()


async def diagnostics_until(client: LanguageClient, uri: str, holds) -> list:
    """The diagnostics of `uri` once `holds(codes)` is true (10 s at most)."""

    async def wait():
        while True:
            codes = {d.code for d in client.diagnostics.get(uri, [])}
            if uri in client.diagnostics and holds(codes):
                return list(client.diagnostics[uri])
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    return await asyncio.wait_for(wait(), timeout=10)


def offset(text: str, position: types.Position) -> int:
    """The offset of an LSP position in `text` (ASCII: UTF-16 columns are characters)."""
    lines = text.splitlines(keepends=True)
    return sum(len(line) for line in lines[: position.line]) + position.character


def apply_text_edits(text: str, edits) -> str:
    """All ranges are on the original text: applied from the end, and an insert before
    a replacement at the same offset stays before it."""
    ordered = sorted(
        edits, key=lambda e: (offset(text, e.range.start), offset(text, e.range.end))
    )
    for e in reversed(ordered):
        start, end = offset(text, e.range.start), offset(text, e.range.end)
        text = text[:start] + e.new_text + text[end:]
    return text


async def test_open_edit_hover_and_fix(client: LanguageClient, tmp_path: pathlib.Path):
    (tmp_path / "001_orders.sql").write_text(ORDERS)
    migration = tmp_path / "002_change.sql"
    migration.write_text(INDEX)
    uri = migration.resolve().as_uri()
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual-studio-code"),
            root_uri=tmp_path.resolve().as_uri(),
        )
    )

    # open: the index build is flagged, on its statement, linked to its rule's page
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="sql", version=1, text=INDEX
            )
        )
    )
    found = await diagnostics_until(
        client, uri, lambda codes: "create-index-non-concurrently" in codes
    )
    index = next(d for d in found if d.code == "create-index-non-concurrently")
    assert index.range.start.line == 1
    assert index.severity == types.DiagnosticSeverity.Error
    assert "create-index-non-concurrently" in index.code_description.href

    # edit (unsaved): the diagnostics follow the buffer
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=CHECK)],
        )
    )
    found = await diagnostics_until(
        client,
        uri,
        lambda codes: "constraint-not-valid-missing" in codes
        and "create-index-non-concurrently" not in codes,
    )
    check = next(d for d in found if d.code == "constraint-not-valid-missing")

    # hover: the statement's plan, its lock on orders and what it blocks
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=1, character=3),
        )
    )
    assert hover is not None
    shown = hover.contents.value
    assert "public.orders" in shown and "ACCESS EXCLUSIVE" in shown, shown
    assert "blocks reads and writes" in shown, shown

    # the fix: NOT VALID in place, and the VALIDATE in a new migration
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=check.range,
            context=types.CodeActionContext(diagnostics=[check]),
        )
    )
    fix = next(
        a
        for a in actions
        if a.title.startswith("Fix constraint-not-valid-missing")
    )
    assert fix.kind == types.CodeActionKind.QuickFix
    buffer = CHECK
    created = []
    for change in fix.edit.document_changes:
        if isinstance(change, types.CreateFile):
            path = pathlib.Path(change.uri.removeprefix("file://"))
            assert not path.exists()
            path.write_text("")
            created.append(path)
        elif change.text_document.uri == uri:
            buffer = apply_text_edits(buffer, change.edits)
        else:
            path = pathlib.Path(change.text_document.uri.removeprefix("file://"))
            path.write_text(apply_text_edits(path.read_text(), change.edits))
    assert "NOT VALID" in buffer, buffer
    assert [p.name for p in created] == ["003_change_step_validate.sql"]
    assert "VALIDATE CONSTRAINT positive" in created[0].read_text()

    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=3),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=buffer)],
        )
    )
    await diagnostics_until(
        client, uri, lambda codes: "constraint-not-valid-missing" not in codes
    )
    # saved, and the new migration reported by the watcher the server registered: the
    # files on disk are read again, and nothing comes back
    watched = [
        r for r in client.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES
    ]
    assert watched, client.registrations
    globs = [w["globPattern"] for w in watched[0].register_options["watchers"]]
    assert "**/*.sql" in globs and "**/schemaguard.toml" in globs, globs
    migration.write_text(buffer)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    client.workspace_did_change_watched_files(
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(uri=p.resolve().as_uri(), type=types.FileChangeType.Created)
                for p in created
            ]
        )
    )
    found = await diagnostics_until(
        client, uri, lambda codes: "constraint-not-valid-missing" not in codes
    )
    assert all(d.severity != types.DiagnosticSeverity.Error for d in found), found
