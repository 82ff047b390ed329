"""A protocol-level Streamlit client: one browser tab's server traffic without a browser.

Speaks the websocket protocol of the installed Streamlit (1.67, Starlette server) the way its compiled
frontend does, so a load test can put many sessions on a server without running chromium for each:

- ``open()`` is a page load (``tab.goto``): GET the page, ``/_stcore/health`` and ``/_stcore/host-config``
  over HTTP, then a fresh websocket to ``/_stcore/stream`` (sub-protocol "streamlit", same-origin
  ``Origin``; XSRF tokens only matter for auth cookies) and a first ``BackMsg.rerun_script`` with the URL
  path as ``page_name`` and an empty ``page_script_hash``, as the frontend sends before it knows the hash.
- Later reruns carry the page's ``page_script_hash`` (with ``st.navigation`` it comes in the
  ``navigation`` message; ``new_session`` names the main script), the current query string (updated by
  ``page_info_changed``), the values this tab has set on widgets still on the page, and the hashes of
  the ForwardMsgs it has cached. (The frontend also re-sends every widget's default value; the server
  keeps those anyway, so they are left out.)
- A widget inside an ``st.fragment`` (its delta carries ``fragment_id``) is sent as a rerun of that
  fragment, as the frontend does; other widgets as a full rerun. Buttons are one-off
  ``WidgetState(trigger_value=True)``; custom components v2 (the drawing canvas) send ``json_value``.
- The page: elements are kept by delta path; after a successful run, elements that run did not redraw
  are dropped (after a fragment run, only within that fragment), like the frontend's stale-node
  clearing. Widgets are found by user key (their id ends in ``-<key>``) or label; metrics by label.
- ForwardMsg cache: messages the server marks ``metadata.cacheable`` are kept by hash; the server only
  sends a ``ref_hash`` for hashes the client listed in ``cached_message_hashes``. Entries expire as in the
  frontend: after ``max_cached_message_age`` finished runs without being seen (fragment runs only age
  their own fragment's entries).
- ``st.fragment(run_every=...)``: the server sends ``auto_rerun`` (interval, fragment id) and the
  *frontend* runs the timer: every interval it sends ``rerun_script`` with that ``fragment_id`` and
  ``is_auto_rerun``, whether or not the previous fragment run has finished (the server coalesces). Timers
  stop on ``stop_auto_rerun`` and when a full run (a ``new_session`` without fragment ids) starts; the
  full run re-arms them if the fragment still has ``run_every``. This client does the same.
- An action is done when, as in the browser, a run that covers it has started since it was sent and the
  session reports no script running (``session_status_changed``), still so ``IDLE_RECHECK`` later.
"""
from __future__ import annotations

import asyncio
import json
import re
import time
import urllib.request
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from streamlit.components.v2.bidi_component.main import _make_trigger_id
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState, ContextInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Origin, Subprotocol

IDLE_RECHECK = 0.05  # seconds the session must stay idle, as the browser bench's wait_idle checks twice
ASSET = re.compile(rb'(?:src|href)="(\./static/[^"]+\.(?:js|css))"')
Path = tuple[int, ...]


class ProtocolFailure(Exception):
    """The session broke: ``kind`` is timeout, disconnect or protocol (e.g. a cache miss)."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind, self.detail = kind, detail


@dataclass
class PageElement:
    """One element or block on the page, as far as this client cares."""

    kind: str  # Element oneof name ("metric", "button", ...) or "block"
    label: str = ""
    value: str = ""  # a metric's or an alert's body
    widget_id: str = ""
    fragment_id: str = ""
    run: int = 0  # serial number of the run that last drew it


@dataclass
class CacheEntry:
    """A cacheable ForwardMsg, the run count when it was last sent or referenced, and its fragment."""

    msg: ForwardMsg
    seen: int
    fragment_id: str


@dataclass
class TabStats:
    """Traffic counters for one tab (one websocket session)."""

    forward_msgs: int = 0
    bytes_received: int = 0
    back_msgs: int = 0
    full_runs_started: int = 0
    full_runs: int = 0  # finished successfully; the others were interrupted by a newer run
    fragment_runs_started: int = 0
    fragment_runs: int = 0  # reported finished successfully (a finish still queued on the server when the next
    # run starts is rewritten to FINISHED_EARLY_FOR_RERUN, so under load this undercounts the runs done)
    auto_reruns_sent: int = 0
    cache_hits: int = 0


def http_get(url: str, timeout: float) -> int:
    """GET ``url`` as a browser would (gzip accepted); return the body's size in bytes."""
    request = urllib.request.Request(url, headers={"Accept-Encoding": "gzip", "User-Agent": "headless-student"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return len(response.read())


async def fetch_assets(base_url: str, timeout: float) -> int:
    """A fresh browser context's first visit: index.html and the JS/CSS it names; return bytes read."""
    def work() -> int:
        request = urllib.request.Request(f"{base_url}/", headers={"User-Agent": "headless-student"})
        with urllib.request.urlopen(request, timeout=timeout) as response:
            html = response.read()
        return len(html) + sum(http_get(f"{base_url}/{path.decode()[2:]}", timeout) for path in ASSET.findall(html))

    return await asyncio.to_thread(work)


def user_key(widget_id: str) -> str:
    """The user key in a generated element id ("$$ID-<hash>-<key>"), or ""."""
    parts = widget_id.split("-", 2)
    return parts[2] if len(parts) == 3 and parts[0] == "$$ID" and parts[2] != "None" else ""


class StreamlitTab:
    """One page load of the app and its websocket session, driven at the protocol level."""

    def __init__(self, base_url: str, timeout: float = 90.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.stats = TabStats()
        self.exceptions: list[str] = []  # every exception element or compile error the session showed
        self.elements: dict[Path, PageElement] = {}
        self.values: dict[str, WidgetState] = {}  # widget id -> the value this tab set
        self.page_script_hash = ""
        self.query_string = ""
        self._page_url = ""
        self._ws: ClientConnection | None = None
        self._receiver: asyncio.Task | None = None
        self._closed: ProtocolFailure | None = None
        self._changed = asyncio.Event()  # set on every message that may end a wait
        self._running = False  # session_status_changed.script_is_running, as the frontend tracks it
        self._run_serial = 0  # runs started (new_session)
        self._run_fragments: list[str] = []  # fragment ids of the run in progress ([] for a full run)
        self._started_runs: list[list[str]] = []  # fragment ids of every run started, in order
        self._timers: dict[str, tuple[float, asyncio.Task]] = {}  # fragment id -> (interval, timer task)
        self._cache: dict[str, CacheEntry] = {}  # ForwardMsg hash -> the cached message
        self._cache_runs = 0
        self._max_age = 2
        self._recent: deque[str] = deque(maxlen=16)  # the last runs requested and seen, for failure reports
        self._t0 = time.monotonic()

    # --- connecting ----------------------------------------------------------------------------

    async def open(self, page: str, query: str = "") -> None:
        """Load ``/<page>?<query>`` as a browser tab does and wait until its first run is done."""
        self._page_url = f"{self.base_url}/{page}" + (f"?{query}" if query else "")
        await asyncio.to_thread(self._http_preamble)
        host = urlsplit(self.base_url).netloc
        try:
            self._ws = await connect(
                f"ws://{host}/_stcore/stream", subprotocols=[Subprotocol("streamlit")],
                origin=Origin(self.base_url), max_size=None, ping_interval=None, open_timeout=self.timeout)
        except (OSError, asyncio.TimeoutError) as err:
            raise ProtocolFailure("disconnect", f"websocket connect failed: {err!r}") from err
        self._receiver = asyncio.create_task(self._receive(), name=f"receive {page}")
        self.query_string = query
        await self._request(page_name=page)

    def _http_preamble(self) -> None:
        """The HTTP requests a page load makes before the websocket (the page, health, host config)."""
        for url in (self._page_url, f"{self.base_url}/_stcore/health", f"{self.base_url}/_stcore/host-config"):
            http_get(url, self.timeout)

    async def close(self) -> None:
        """Stop the timers and close the websocket, as navigating away does."""
        self._disarm_all()
        if self._closed is None:
            self._closed = ProtocolFailure("disconnect", "tab closed")
        if self._ws is not None:
            await self._ws.close()
        if self._receiver is not None:
            await asyncio.gather(self._receiver, return_exceptions=True)

    # --- the page ------------------------------------------------------------------------------

    def widget(self, name: str) -> PageElement:
        """The widget on the page whose user key or label is ``name`` (or the one starting with it)."""
        widgets = [e for e in self.elements.values() if e.widget_id]
        for match in (lambda e: name in (user_key(e.widget_id), e.label),
                      lambda e: user_key(e.widget_id).startswith(name) or e.label.startswith(name)):
            found = {e.widget_id: e for e in widgets if match(e)}
            if len(found) == 1:
                return found.popitem()[1]
            if found:
                break
        names = sorted({user_key(e.widget_id) or e.label for e in widgets})
        raise ProtocolFailure("protocol", f"{len(found)} widgets match {name!r} (keys and labels: {names[:12]})")

    def metric(self, label: str) -> str | None:
        """The value of the metric labelled ``label`` on the page, or None."""
        return next((e.value for e in self.elements.values() if e.kind == "metric" and e.label == label), None)

    @property
    def auto_rerunning(self) -> bool:
        """Whether a run_every fragment's timer is running (the training lab while playing)."""
        return bool(self._timers)

    # --- actions -------------------------------------------------------------------------------

    async def set_text(self, name: str, text: str) -> None:
        """Commit a text widget's value (Ctrl+Enter in the browser) and wait until the rerun is done."""
        await self._set(name, lambda wid: WidgetState(id=wid, string_value=text))

    async def set_json(self, name: str, value: object) -> None:
        """Set a JSON-valued widget (a custom component's state) and wait until the rerun is done."""
        await self._set(name, lambda wid: WidgetState(id=wid, json_value=json.dumps(value)))

    async def trigger(self, name: str, event: str, value: object, settle: bool = True) -> None:
        """Send a custom component v2's trigger value (``setTriggerValue(event, value)`` in the browser)."""
        widget = self.widget(name)
        payload = json.dumps([{"event": event, "value": value}])
        trigger_id = _make_trigger_id(widget.widget_id, "events")
        await self._request(triggers=[WidgetState(id=trigger_id, json_trigger_value=payload)],
                            fragment_id=widget.fragment_id, settle=settle)

    async def click(self, name: str, settle: bool = True) -> None:
        """Click a button (a one-off trigger) and wait until the rerun is done (``settle=False``: only send it,
        for a click whose effect is awaited otherwise, e.g. Play, whose timer keeps the session busy)."""
        widget = self.widget(name)
        await self._request(triggers=[WidgetState(id=widget.widget_id, trigger_value=True)],
                            fragment_id=widget.fragment_id, settle=settle)

    async def _set(self, name: str, state: Callable[[str], WidgetState]) -> None:
        widget = self.widget(name)
        self.values[widget.widget_id] = state(widget.widget_id)
        await self._request(fragment_id=widget.fragment_id)

    async def wait_for_widget(self, name: str) -> PageElement:
        """Wait until the widget ``name`` is on the page (a fresh server's first page load reruns through
        the navigation frame, so the page can still be empty when the first run reports done)."""
        def present() -> bool:
            try:
                self.widget(name)
            except ProtocolFailure:
                return False
            return True

        await self._wait_until(present, lambda: f"no widget {name!r} on the page")
        return self.widget(name)

    async def wait_for_metric(self, label: str, predicate: Callable[[str], bool]) -> str:
        """Wait until the metric ``label`` (from any run, fragment runs included) satisfies ``predicate``."""
        await self._wait_until(lambda: predicate(self.metric(label) or ""),
                               lambda: f"metric {label!r} stayed {self.metric(label)!r}")
        return self.metric(label) or ""

    async def _wait_until(self, condition: Callable[[], bool], describe: Callable[[], str]) -> None:
        """Wait (up to the timeout) for ``condition()``, re-checked after every message received."""
        deadline = time.monotonic() + self.timeout
        while not condition():
            self._check_open()
            self._changed.clear()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ProtocolFailure("timeout", f"{describe()} for {self.timeout:g} s; last: {' '.join(self._recent)}")
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except asyncio.TimeoutError:
                pass
        self._check_open()

    async def _request(self, *, page_name: str = "", triggers: list[WidgetState] = (), fragment_id: str = "",
                       settle: bool = True) -> None:
        """Request a run (of ``fragment_id``, or the whole page) and wait as the browser does: a run that
        covers the request has started since, and the session reports no script running, twice
        (``settle=False``: send the request and return; the caller waits for the effect it expects).

        Not "until FINISHED_SUCCESSFULLY": under load the server can cut a full run short when queued
        run_every fragment reruns overtake it (FINISHED_EARLY_FOR_RERUN, then only fragment runs); the
        frontend then shows the session as not running, and so does this client.
        """
        first_new_run = len(self._started_runs)

        def covered() -> bool:
            return any(not ids or fragment_id in ids for ids in self._started_runs[first_new_run:])

        await self._send(self._client_state(page_name=page_name, triggers=triggers, fragment_id=fragment_id))
        while settle:
            await self._wait_until(lambda: covered() and not self._running,
                                   lambda: f"no {'fragment' if fragment_id else 'full'} run done "
                                           f"(started: {covered()}, running: {self._running})")
            await asyncio.sleep(IDLE_RECHECK)
            if not self._running:
                return

    # --- sending -------------------------------------------------------------------------------

    def _client_state(self, *, page_name: str = "", fragment_id: str = "", auto: bool = False,
                      triggers: list[WidgetState] = ()) -> ClientState:
        on_page = {e.widget_id for e in self.elements.values() if e.widget_id}
        triggered = {t.id for t in triggers}
        widgets = [w for w in self.values.values() if w.id in on_page and w.id not in triggered] + list(triggers)
        return ClientState(
            query_string=self.query_string, widget_states=WidgetStates(widgets=widgets),
            page_script_hash="" if page_name else self.page_script_hash, page_name=page_name,
            fragment_id=fragment_id, is_auto_rerun=auto, cached_message_hashes=list(self._cache),
            context_info=ContextInfo(timezone="UTC", timezone_offset=0, locale="en-US", url=self._page_url,
                                     is_embedded=False, color_scheme="light"))

    async def _send(self, state: ClientState) -> None:
        self._check_open()
        try:
            await self._ws.send(BackMsg(rerun_script=state).SerializeToString())
        except ConnectionClosed as err:
            raise ProtocolFailure("disconnect", f"send failed: {err}") from err
        self.stats.back_msgs += 1
        self._note(f">{'auto' if state.is_auto_rerun else 'rerun'}{'(fragment)' if state.fragment_id else ''}")

    async def _auto_rerun(self, fragment_id: str, interval: float) -> None:
        """The frontend's setInterval for a run_every fragment: request a fragment rerun every interval
        (on a fixed schedule; a late tick is sent at once and the schedule restarts from it)."""
        loop = asyncio.get_running_loop()
        tick = loop.time()
        while True:
            tick = max(tick + interval, loop.time())
            await asyncio.sleep(tick - loop.time())
            try:
                await self._send(self._client_state(fragment_id=fragment_id, auto=True))
            except ProtocolFailure:
                return
            self.stats.auto_reruns_sent += 1

    def _note(self, event: str) -> None:
        self._recent.append(f"{time.monotonic() - self._t0:.2f}{event}")

    # --- receiving -----------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed is not None:
            raise ProtocolFailure(self._closed.kind, self._closed.detail)

    async def _receive(self) -> None:
        try:
            async for raw in self._ws:
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                self.stats.forward_msgs += 1
                self.stats.bytes_received += len(raw)
                self._handle(self._resolve(msg))
            if self._closed is None:
                self._closed = ProtocolFailure("disconnect", "server closed the websocket")
        except ConnectionClosed as err:
            if self._closed is None:
                self._closed = ProtocolFailure("disconnect", f"websocket closed: {err}")
        except ProtocolFailure as failure:
            self._closed = failure
            await self._ws.close()
        except Exception as err:  # a bug in this client: report it as the session's failure
            self._closed = ProtocolFailure("protocol", f"client error: {err!r}")
            await self._ws.close()
        finally:
            if self._closed is None:
                self._closed = ProtocolFailure("disconnect", "tab closed")
            self._disarm_all()
            self._changed.set()

    def _resolve(self, msg: ForwardMsg) -> ForwardMsg:
        """Swap a ref_hash for the cached message (keeping the reference's metadata); cache new ones."""
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            entry = self._cache.get(msg.ref_hash)
            if entry is None:
                raise ProtocolFailure("protocol", f"cached ForwardMsg miss {msg.ref_hash}")
            self.stats.cache_hits += 1
            entry.seen = self._cache_runs
            full = ForwardMsg()
            full.CopyFrom(entry.msg)
            full.metadata.CopyFrom(msg.metadata)
            return full
        if msg.metadata.cacheable and msg.hash:
            entry = self._cache.get(msg.hash)
            if entry is None:
                fragment = msg.delta.fragment_id if kind == "delta" else ""
                self._cache[msg.hash] = CacheEntry(msg, self._cache_runs, fragment)
            else:
                entry.seen = self._cache_runs
        return msg

    def _handle(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "new_session":
            self._on_new_session(msg)
        elif kind == "navigation":  # st.navigation: the page that ran (new_session names the main script)
            self.page_script_hash = msg.navigation.page_script_hash or self.page_script_hash
        elif kind == "delta":
            self._on_delta(msg)
        elif kind == "auto_rerun":
            self._arm_timer(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                self._disarm_timer(fragment_id)
        elif kind == "session_status_changed":
            self._running = msg.session_status_changed.script_is_running
        elif kind == "page_info_changed":
            self.query_string = msg.page_info_changed.query_string
        elif kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception":
            self.exceptions.append(f"compile error: {msg.session_event.script_compilation_exception.message}")
        elif kind == "script_finished":
            self._on_script_finished(msg)
        self._changed.set()

    def _on_new_session(self, msg: ForwardMsg) -> None:
        session = msg.new_session
        self._running = True
        self._run_serial += 1
        self._run_fragments = list(msg.metadata.run.fragment_ids)
        self._started_runs.append(self._run_fragments)
        self.page_script_hash = session.page_script_hash
        self._max_age = session.config.max_cached_message_age or self._max_age
        if not self._run_fragments:  # a full run: the frontend clears every auto-rerun timer
            self.stats.full_runs_started += 1
            self._disarm_all()
        else:
            self.stats.fragment_runs_started += 1
        self._note(f"<run{'(fragment)' if self._run_fragments else ''}")

    def _on_delta(self, msg: ForwardMsg) -> None:
        delta = msg.delta
        path = tuple(msg.metadata.delta_path)
        if delta.WhichOneof("type") == "add_block":
            self.elements[path] = PageElement("block", fragment_id=delta.fragment_id, run=self._run_serial)
            return
        if delta.WhichOneof("type") != "new_element":
            return
        kind = delta.new_element.WhichOneof("type") or "empty"
        body = getattr(delta.new_element, kind)
        if kind == "exception":
            self.exceptions.append(f"{body.type}: {body.message}"[:300])
        self.elements[path] = PageElement(
            kind, label=getattr(body, "label", ""),
            value=body.body if kind in ("metric", "alert") else body.json if kind == "bidi_component" else "",
            widget_id=getattr(body, "id", ""), fragment_id=delta.fragment_id, run=self._run_serial)

    def _on_script_finished(self, msg: ForwardMsg) -> None:
        status = msg.script_finished
        self._note(f"<{ForwardMsg.ScriptFinishedStatus.Name(status)}")
        if status == ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY:
            self.stats.fragment_runs += 1
            self._clear_stale(self._run_fragments)
        elif status == ForwardMsg.FINISHED_SUCCESSFULLY:
            self.stats.full_runs += 1
            self._clear_stale([])
        if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
            self._age_cache(list(msg.metadata.run.fragment_ids))

    def _clear_stale(self, fragment_ids: list[str]) -> None:
        """Drop what the finished run (only within ``fragment_ids``, if given) did not redraw."""
        for path, element in list(self.elements.items()):
            if element.run != self._run_serial and (not fragment_ids or element.fragment_id in fragment_ids):
                del self.elements[path]

    def _age_cache(self, fragment_ids: list[str]) -> None:
        """The frontend's ForwardMsgCache.incrementRunCount: drop entries unseen for max_cached_message_age runs."""
        self._cache_runs += 1
        for digest, entry in list(self._cache.items()):
            if fragment_ids and entry.fragment_id not in fragment_ids:
                continue
            if self._cache_runs - entry.seen > self._max_age:
                del self._cache[digest]

    def _arm_timer(self, fragment_id: str, interval: float) -> None:
        if not fragment_id or (fragment_id in self._timers and self._timers[fragment_id][0] == interval):
            return
        self._disarm_timer(fragment_id)
        self._timers[fragment_id] = (interval, asyncio.create_task(self._auto_rerun(fragment_id, interval)))

    def _disarm_timer(self, fragment_id: str) -> None:
        entry = self._timers.pop(fragment_id, None)
        if entry is not None:
            entry[1].cancel()

    def _disarm_all(self) -> None:
        for fragment_id in list(self._timers):
            self._disarm_timer(fragment_id)
