import type { Http2Server, Http2Session } from 'node:http2';
import type { Server } from '@grpc/grpc-js';

/**
 * HTTP/2 receive window of a worker's server, per stream and per connection: how many bytes of
 * row batches a producer may send ahead of what the worker has read.
 *
 * Node's default, 64 KB, stalls a producer whose worker is busy: the worker grants more only when
 * its event loop turns, so a 600 KB batch crawls through in window-sized steps while both sides
 * wait; a larger window is faster both on a bare stream and in the distributed suite
 * (docs/benchmarks.md, "Figures behind design decisions"). Memory: at most this much unread per
 * producer connection, since the worker stops reading a stream while its shard's buffer is full.
 */
export const INGEST_WINDOW_BYTES = 8 * 1024 * 1024;

/**
 * Raises the receive windows of every HTTP/2 server a bound grpc-js `Server` listens with, for the
 * sessions it accepts from now on. grpc-js has no server option for this (its
 * `grpc-node.flow_control_window` is read by clients only: grpc/grpc-node#3058), so this reaches
 * its servers through the `http2Servers` map grpc-js keeps. Returns false, changing nothing, when
 * that map is not there (a grpc-js that changed inside): the worker then runs with the default.
 */
export function raiseReceiveWindow(server: Server, bytes: number): boolean {
  const servers = (server as unknown as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map)) return false;
  let raised = false;
  for (const h2 of servers.keys() as Iterable<Partial<Http2Server>>) {
    if (typeof h2.updateSettings !== 'function' || typeof h2.on !== 'function') continue;
    h2.updateSettings({ initialWindowSize: bytes }); // each stream's window, sent in SETTINGS
    h2.on('session', (session: Http2Session) => {
      try {
        session.setLocalWindowSize(bytes); // the connection's window
      } catch {
        // A session already closing: nothing to raise.
      }
    });
    raised = true;
  }
  return raised;
}
