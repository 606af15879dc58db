// The page source of GET /api/correlations?state=open|all: open windows first (newest first,
// through the correlator's indexes), then for state=all the kept closed events, newest first.

import type { OpenFilter } from '../../correlate/open-windows.js';
import type { EventFilter, Pipeline } from '../../correlate/pipeline.js';
import type { CorrelationEvent } from '../../model/types.js';
import type { PageSource } from './json-page.js';
import type { ListingCursor } from './listing-cursor.js';
import { eventForms } from './listing-forms.js';

export function openListingSource(
  pipeline: Pipeline,
  openFilter: OpenFilter,
  closedFilter: EventFilter,
  withClosed: boolean,
): PageSource<CorrelationEvent, ListingCursor> {
  return {
    walk(from, visit) {
      let closedBefore: number;
      if ('open' in from) {
        let stopped = false;
        const goOn = pipeline.walkOpen(openFilter, from.open, (event, resume) => {
          stopped = !visit(event, { open: resume });
          return !stopped;
        });
        if (goOn !== undefined) return { open: goOn };
        if (stopped || !withClosed) return undefined;
        closedBefore = pipeline.eventsEnd;
      } else closedBefore = from.closedBefore;
      pipeline.walkEvents(closedFilter, closedBefore, (event, seq) => visit(event, { closedBefore: seq + 1 }));
      return undefined;
    },
    forms: eventForms,
  };
}
