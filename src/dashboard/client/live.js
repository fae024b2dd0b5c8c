/**
 * @module The live event list: loads recent events, then follows /api/stream (read with fetch, so that it
 * carries the session's token); when the stream ends or fails, this reconnects with backoff. Every
 * (re)connection reloads /api/jobs, so nothing sent while disconnected is missing; events are merged by id.
 */
import { useEffect, useState } from 'preact/hooks';
import { getJSON } from './api.js';
import { authHeaders } from './session.js';

const KEEP = 1000;
const LOAD = 500;
const FLUSH_MS = 200;

const newestFirst = (a, b) =>
  a.timestamp < b.timestamp ? 1 : a.timestamp > b.timestamp ? -1 : a.eventId < b.eventId ? 1 : a.eventId > b.eventId ? -1 : 0;

export function mergeEvents(current, incoming) {
  const known = new Set(current.map((event) => event.eventId));
  const added = incoming.filter((event) => !known.has(event.eventId));
  if (added.length === 0) return current;
  return [...added, ...current].sort(newestFirst).slice(0, KEEP);
}

/** `?tenantId=…` for a picked tenant, '' for all: the query every tenant-aware read appends. */
export function tenantQuery(tenantId, joiner = '?') {
  return tenantId ? `${joiner}tenantId=${encodeURIComponent(tenantId)}` : '';
}

/**
 * Returns { events (newest first), connection: 'connecting'|'live'|'reconnecting', fresh: Set of eventIds
 * that arrived live in the last seconds, touched: { jobIds, at } for the latest live batch }. With a
 * tenant, only the events of that tenant's jobs (the server filters both the list and the stream).
 */
export function useLiveEvents(tenantId = '') {
  const [events, setEvents] = useState([]);
  const [connection, setConnection] = useState('connecting');
  const [fresh, setFresh] = useState(() => new Set());
  const [touched, setTouched] = useState({ jobIds: new Set(), at: 0 });

  useEffect(() => {
    let abort;
    let retryTimer;
    let flushTimer;
    let failures = 0;
    setEvents([]);
    let pending = [];
    let pendingLive = [];

    const flush = () => {
      flushTimer = undefined;
      const batch = pending;
      const live = pendingLive;
      pending = [];
      pendingLive = [];
      setEvents((current) => mergeEvents(current, batch));
      if (live.length > 0) {
        const ids = new Set(live.map((event) => event.eventId));
        setFresh(ids);
        setTouched({ jobIds: new Set(live.map((event) => event.jobId)), at: Date.now() });
      }
    };
    const queue = (incoming, isLive) => {
      pending.push(...incoming);
      if (isLive) pendingLive.push(...incoming);
      flushTimer ??= setTimeout(flush, FLUSH_MS);
    };
    const load = () => getJSON(`/api/jobs?limit=${LOAD}${tenantQuery(tenantId, '&')}`).then((loaded) => queue(loaded, false), () => undefined);

    const retry = () => {
      setConnection('reconnecting');
      failures += 1;
      retryTimer = setTimeout(connect, Math.min(10_000, 1000 * 2 ** failures));
    };
    const connect = () => {
      // fetch, not EventSource: EventSource cannot send the Authorization header a closed dashboard needs.
      abort = new AbortController();
      readEventStream(`/api/stream${tenantQuery(tenantId)}`, abort.signal, (type, data) => {
        if (type === 'ready') {
          failures = 0;
          setConnection('live');
          load();
        } else if (type === 'audit') {
          queue([JSON.parse(data)], true);
        } else if (type === 'reload') {
          load();
        }
      }).then(retry, (error) => {
        if (error?.name !== 'AbortError') retry();
      });
    };
    connect();
    return () => {
      abort?.abort();
      clearTimeout(retryTimer);
      clearTimeout(flushTimer);
    };
  }, [tenantId]);

  return { events, connection, fresh, touched };
}

/**
 * Reads a Server-Sent Events stream with fetch (so it carries the session's token), calling
 * `onEvent(type, data)` per event; resolves when the server ends the stream.
 */
export async function readEventStream(path, signal, onEvent) {
  const response = await fetch(path, { headers: { accept: 'text/event-stream', ...authHeaders() }, signal });
  if (!response.ok || !response.body) throw new Error(`stream answered ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) type = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0 || type !== 'message') onEvent(type, data.join('\n'));
    }
  }
}

/** Polls /api/stats (of one tenant's jobs, when picked); keeps the last good answer when a poll fails. */
export function useStats(tenantId = '', intervalMs = 5000) {
  const [stats, setStats] = useState(undefined);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let timer;
    let stopped = false;
    const poll = async () => {
      try {
        const next = await getJSON(`/api/stats${tenantQuery(tenantId)}`);
        if (!stopped) setStats(next);
        setFailed(false);
      } catch {
        setFailed(true);
      }
      if (!stopped) timer = setTimeout(poll, intervalMs);
    };
    setStats(undefined);
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [tenantId, intervalMs]);
  return { stats, failed };
}

/** The current time, ticking every `ms` while mounted (relative times, running attempts). */
export function useNow(ms = 1000) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms]);
  return now;
}

/** GETs `path` now and every `intervalMs`; returns { data, failed }. A new path starts over. */
export function usePolled(path, intervalMs) {
  const [data, setData] = useState(undefined);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let timer;
    let stopped = false;
    const poll = async () => {
      try {
        const body = await getJSON(path);
        if (!stopped) {
          setData(body);
          setFailed(false);
        }
      } catch {
        if (!stopped) setFailed(true);
      }
      if (!stopped) timer = setTimeout(poll, intervalMs);
    };
    poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [path, intervalMs]);
  return { data, failed };
}
