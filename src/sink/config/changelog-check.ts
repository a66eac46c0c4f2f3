/**
 * The table options of changelogs: `mode` (`'sink.mode'`) and `deleteEvents`
 * (`'sink.delete_events'`), checked against the target once the rest of the table is known.
 */

import { DELETE_EVENT_FIELD, type SinkMode } from '../changelog.js';
import type { SinkTable } from '../model.js';
import { writerOf } from '../writers/index.js';
import type { Reporter } from './validate.js';

/** Sets `table.mode` and `table.deleteEvents` from the checked options, or fails naming one. */
export function checkChangelog(
  r: Reporter,
  table: SinkTable,
  mode: SinkMode | undefined,
  deleteEventsGiven: unknown,
): void {
  const deleteEvents = flag(r, deleteEventsGiven);
  const writer = writerOf(table.target);
  const retraction = writer.retraction(table.target);
  const modeOption = `'${r.door.option('mode')}'`;
  const eventsOption = `'${r.door.option('deleteEvents')}'`;
  if (deleteEvents && mode !== 'upsert') {
    r.fail('deleteEvents', `applies only when ${modeOption} is 'upsert': an 'append' table refuses deletes`);
  }
  if (mode !== 'upsert') return;
  if (retraction.kind === 'event') {
    if (!deleteEvents) {
      r.fail(
        'mode',
        `cannot be 'upsert' for a ${writer.title} target without ${eventsOption}: a ${writer.title} is append-only, so a delete cannot remove what was written; give ${eventsOption} = true to write each delete as an event marked "${DELETE_EVENT_FIELD}": "-D", or keep 'append'`,
      );
    }
    const columns = writer.shape(table.target).columns !== undefined;
    if (table.format === 'raw' && !columns) {
      r.fail(
        'deleteEvents',
        `needs the 'json' format: a 'raw' value has no room for the "${DELETE_EVENT_FIELD}" marker`,
      );
    }
    if (table.schema?.some((c) => c.name === DELETE_EVENT_FIELD)) {
      r.fail(
        'deleteEvents',
        `marks delete events with a field "${DELETE_EVENT_FIELD}", which is a column of the schema: rename the column`,
      );
    }
    table.mode = 'upsert';
    table.deleteEvents = true;
    return;
  }
  if (deleteEvents) {
    r.fail(
      'deleteEvents',
      `applies only to append-only targets (List, Stream, Pub/Sub): a ${writer.title} target in 'upsert' mode applies deletes`,
    );
  }
  table.mode = 'upsert';
}

/** A boolean option: `true`/`false`, or their text where options are text (SQL). */
function flag(r: Reporter, value: unknown): boolean {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  if (r.door.numbersAsText && typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (v === 'true') return true;
    if (v === 'false') return false;
  }
  r.fail('deleteEvents', `must be true or false (${r.got('deleteEvents', value)})`);
}
