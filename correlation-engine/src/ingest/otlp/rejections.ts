// Per-item rejections of an OTLP batch: the batch is kept, the client learns how many items were
// refused and why (ExportXServiceResponse.partial_success).

import type { NormalizedLog } from '../../model/types.js';

export interface Rejections {
  rejected: number;
  message?: string;
}

export class RejectionCounter {
  rejected = 0;
  /** The first reason is kept; later ones only add to the count (bounded message). */
  private first: string | undefined;

  /** Counts one rejected item; returns undefined so callers can use it in place of the item. */
  reject(where: string, reason: string): undefined {
    this.rejected++;
    if (this.first === undefined) this.first = `${where}: ${reason}`;
    return undefined;
  }

  result(noun: string): Rejections {
    if (this.rejected === 0) return { rejected: 0 };
    const more = this.rejected > 1 ? ` (and ${this.rejected - 1} more)` : '';
    return { rejected: this.rejected, message: `${this.rejected} ${noun} rejected; first: ${this.first}${more}` };
  }
}

/** Log records decoded from an OTLP request, and the wire ordinals (ascending) of those rejected. */
export interface DecodedLogs extends Rejections {
  logs: NormalizedLog[];
  dropped: number[];
}
