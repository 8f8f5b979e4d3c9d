"""A client of Streamlit's own websocket protocol: one browser tab, without the browser.

It speaks to ``ws://HOST:PORT/_stcore/stream`` as the Streamlit frontend does:
it opens the socket with the ``streamlit`` subprotocol, asks for each run with a
``BackMsg`` holding a ``ClientState`` (the page's script hash for multipage
navigation, the widgets' values, the hashes of the messages it has cached), and
reads the ``ForwardMsg`` stream back: ``new_session`` when a run starts, the
``navigation`` message with the pages of the signed-in role, ``delta`` messages
with the elements, and ``script_finished`` when the run is over.

Like the frontend it keeps each widget's value between runs: a selectbox or a
radio holds its chosen option (its default until then, or the value the script
set), a checkbox its state, and a button sends a trigger only in the run it is
pressed in; widgets not shown by the latest run are forgotten. Widgets it does
not model (text, dates, multiselects, anything inside a form) are left out of
the widget states, which leaves their value on the server as the script last
saw it, as for a person who did not touch them. Large elements are cached by
their hash and their hashes sent back, so that the server answers with a
reference where a browser would have its cached copy; cached messages expire
after two finished runs without use, as the frontend's cache does.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

CHOICE_KINDS = frozenset({"selectbox", "radio"})
BUTTON_KINDS = frozenset({"button"})
MAX_MESSAGE_AGE = 2  # finished runs a cached message outlives unused
TEXT_FIELDS = {"markdown": "body", "heading": "body", "text": "body", "alert": "body"}


class Dropped(Exception):
    """The server closed the connection (or it broke) while the session was open."""


class ClientError(Exception):
    """The page did not offer what the session went to do (a widget, a page)."""


@dataclass
class Widget:
    """A widget as the latest run drew it."""

    id: str
    kind: str
    label: str
    options: list[str] = field(default_factory=list)
    in_form: bool = False
    disabled: bool = False


@dataclass
class Run:
    """What one interaction brought back: from sending the ``BackMsg`` to the
    ``script_finished`` that ended it (after any ``st.rerun`` in between)."""

    seconds: float = 0.0
    status: str = ""
    page_hash: str = ""
    elements: list[tuple[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    references: int = 0  # messages sent as the hash of one already cached

    def texts(self) -> list[str]:
        """The text of every markdown, heading, text and alert element."""
        return [
            getattr(proto, TEXT_FIELDS[kind])
            for kind, proto in self.elements
            if kind in TEXT_FIELDS
        ]


class StreamSession:
    """One session of a Streamlit server, driven over its websocket."""

    def __init__(self, url: str, *, timeout: float = 300) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.pages: dict[str, str] = {}  # page title -> page script hash
        self.page_hash = ""
        self.widgets: dict[str, Widget] = {}
        self.dropped = False
        self._socket: ClientConnection | None = None
        self._reader: asyncio.Task | None = None
        self._closing = False
        self._values: dict[str, WidgetState] = {}
        self._seen: dict[str, Widget] = {}
        self._cache: dict[str, ForwardMsg] = {}
        self._last_used: dict[str, int] = {}
        self._finished_runs = 0
        self._run: Run | None = None
        self._by_path: dict[tuple[int, ...], tuple[str, Any]] = {}
        self._done: asyncio.Future | None = None
        self._ended: Exception | None = None  # why the reading stopped

    # -- the connection --------------------------------------------------------

    async def connect(self) -> None:
        """Open the websocket as the frontend does (no run starts until asked)."""
        socket_url = "ws" + self.url.removeprefix("http") + "/_stcore/stream"
        self._socket = await connect(
            socket_url,
            subprotocols=["streamlit"],
            origin=self.url,
            max_size=None,
            ping_interval=None,  # a browser sends no pings; the server's are answered
            open_timeout=self.timeout,
        )
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        self._closing = True
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            await self._reader

    async def _read(self) -> None:
        ended: Exception = Dropped("the server closed the session")
        try:
            async for data in self._socket:
                message = ForwardMsg()
                message.ParseFromString(data)
                self._receive(message)
        except ConnectionClosed:
            pass
        except Exception as error:  # a fault of this client, not a dropped session
            ended = ClientError(f"could not read a message: {error!r}")
        finally:
            if not self._closing:
                self._ended = ended
                self.dropped = isinstance(ended, Dropped)
                if self._done is not None and not self._done.done():
                    self._done.set_exception(ended)

    # -- interactions ----------------------------------------------------------

    async def load(self) -> Run:
        """The first run, which the frontend asks for once the socket is open."""
        return await self.rerun(page_hash="")

    async def open_page(self, title: str) -> Run:
        """Click the page's link in the navigation."""
        if title not in self.pages:
            raise ClientError(f"no page “{title}” in the navigation")
        wanted = self.pages[title]
        run = await self.rerun(page_hash=wanted)
        if not run.errors and run.page_hash != wanted:
            run.errors.append(f"asked for “{title}”, another page was shown")
        return run

    async def choose(self, label: str, option: str) -> Run:
        """Pick an option of the selectbox or radio with this label."""
        return await self.pick(self.widget(label, CHOICE_KINDS), option)

    async def pick(self, widget: Widget, option: str) -> Run:
        """Pick an option of this selectbox or radio (a page may show two
        with the same label: two long lists each offer "Schools shown")."""
        if option not in widget.options:
            raise ClientError(f"“{widget.label}” offers no “{option}”")
        self._values[widget.id] = WidgetState(id=widget.id, string_value=option)
        return await self.rerun()

    async def click(self, label: str) -> Run:
        """Press the button with this label."""
        widget = self.widget(label, BUTTON_KINDS)
        return await self.rerun(trigger=widget.id)

    def widget(self, label: str, kinds: Iterable[str]) -> Widget:
        """The latest run's widget of one of these kinds with this label."""
        for widget in self.widgets.values():
            if widget.label == label and widget.kind in kinds and not widget.in_form:
                return widget
        raise ClientError(f"no widget “{label}” on the page")

    def value(self, label: str) -> str | None:
        """The option the selectbox or radio with this label holds."""
        return self.value_of(self.widget(label, CHOICE_KINDS))

    def value_of(self, widget: Widget) -> str | None:
        """The option this selectbox or radio holds."""
        held = self._values.get(widget.id)
        return held.string_value if held is not None else None

    async def rerun(self, *, page_hash: str | None = None, trigger: str = "") -> Run:
        """Ask for a run with the widgets' values, as the frontend does after
        any interaction, and wait for its end."""
        if self._ended is not None:
            raise self._ended
        if self._socket is None:
            raise ClientError("the session is not connected")
        message = BackMsg()
        state = message.rerun_script
        state.query_string = ""
        state.page_script_hash = self.page_hash if page_hash is None else page_hash
        state.widget_states.widgets.extend(self._values.values())
        if trigger:
            state.widget_states.widgets.add(id=trigger, trigger_value=True)
        state.cached_message_hashes.extend(self._cache)
        state.context_info.timezone = "UTC"
        state.context_info.timezone_offset = 0
        state.context_info.locale = "en-US"
        state.context_info.url = self.url + "/"
        self._run = Run()
        self._by_path = {}
        self._seen = {}
        self._done = asyncio.get_running_loop().create_future()
        started = time.perf_counter()
        try:
            await self._socket.send(message.SerializeToString())
        except ConnectionClosed as closed:
            self.dropped = True
            raise Dropped("the server closed the session") from closed
        try:
            await asyncio.wait_for(asyncio.shield(self._done), self.timeout)
        except TimeoutError:
            self._run.errors.append(f"no script_finished within {self.timeout:g} s")
        run, self._run, self._done = self._run, None, None
        run.seconds = time.perf_counter() - started
        run.elements = list(self._by_path.values())
        return run

    # -- the forward messages --------------------------------------------------

    def _receive(self, message: ForwardMsg) -> None:
        kind = message.WhichOneof("type")
        if kind == "ref_hash":
            cached = self._cache.get(message.ref_hash)
            if cached is None:
                self._error(f"a reference to a message never received: {kind}")
                return
            resolved = ForwardMsg()
            resolved.CopyFrom(cached)
            resolved.metadata.CopyFrom(message.metadata)
            self._last_used[message.ref_hash] = self._finished_runs
            if self._run is not None:
                self._run.references += 1
            message, kind = resolved, cached.WhichOneof("type")
        elif message.metadata.cacheable and message.hash:
            self._cache[message.hash] = message
            self._last_used[message.hash] = self._finished_runs
        if kind == "new_session":
            self.page_hash = message.new_session.page_script_hash
            self._by_path = {}  # a new run (after st.rerun) draws the page afresh
            self._seen = {}
        elif kind == "navigation":
            navigation = message.navigation
            self.pages = {p.page_name: p.page_script_hash for p in navigation.app_pages}
            self.page_hash = navigation.page_script_hash
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            self._element(tuple(message.metadata.delta_path), message.delta.new_element)
        elif kind == "page_not_found":
            self._error(f"page not found: {message.page_not_found.page_name}")
        elif kind == "session_event" and message.session_event.HasField(
            "script_compilation_exception"
        ):
            failure = message.session_event.script_compilation_exception
            self._error(f"{failure.type}: {failure.message}")
        elif kind == "script_finished":
            self._finished(message.script_finished)

    def _element(self, path: tuple[int, ...], element: Element) -> None:
        kind = element.WhichOneof("type")
        proto = getattr(element, kind)
        self._by_path[path] = (kind, proto)
        if kind == "exception":
            self._error(f"{proto.type}: {proto.message}")
        elif kind == "alert" and proto.format == Alert.ERROR:
            self._error(proto.body)
        elif kind in CHOICE_KINDS:
            self._choice(kind, proto)
        elif kind == "checkbox":
            self._checkbox(proto)
        elif kind in BUTTON_KINDS or kind == "download_button":
            self._seen[proto.id] = Widget(proto.id, kind, proto.label)

    def _choice(self, kind: str, proto: Any) -> None:
        widget = Widget(
            proto.id,
            kind,
            proto.label,
            list(proto.options),
            bool(proto.form_id),
            proto.disabled,
        )
        self._seen[proto.id] = widget
        if widget.in_form:
            return
        if proto.set_value:
            value = proto.raw_value if proto.HasField("raw_value") else None
        elif proto.id in self._values:
            return
        elif proto.HasField("default") and proto.default < len(proto.options):
            value = proto.options[proto.default]
        else:
            value = None
        self._values.pop(proto.id, None)
        if value is not None:
            self._values[proto.id] = WidgetState(id=proto.id, string_value=value)

    def _checkbox(self, proto: Any) -> None:
        widget = Widget(proto.id, "checkbox", proto.label, [], bool(proto.form_id))
        self._seen[proto.id] = widget
        if widget.in_form or (proto.id in self._values and not proto.set_value):
            return
        value = proto.value if proto.set_value else proto.default
        self._values[proto.id] = WidgetState(id=proto.id, bool_value=value)

    def _finished(self, status: int) -> None:
        if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            return  # st.rerun: the next run follows at once
        if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
            self._error("the script did not compile")
        # The frontend forgets the widgets the finished run did not draw.
        self.widgets = dict(self._seen)
        self._values = {k: v for k, v in self._values.items() if k in self._seen}
        self._finished_runs += 1
        for key, used in list(self._last_used.items()):
            if self._finished_runs - used > MAX_MESSAGE_AGE:
                del self._last_used[key]
                self._cache.pop(key, None)
        if self._run is not None:
            self._run.status = ForwardMsg.ScriptFinishedStatus.Name(status)
            self._run.page_hash = self.page_hash
        if self._done is not None and not self._done.done():
            self._done.set_result(None)

    def _error(self, text: str) -> None:
        if self._run is not None:
            self._run.errors.append(text)
