// Per-item rejections of an OTLP batch: the batch is kept, the client learns how many items were
// refused and why (ExportXServiceResponse.partial_success).

export interface Rejections {
  rejected: number;
  message?: string;
}

export class RejectionCounter {
  rejected = 0;
  /** The first reason is kept; later ones only add to the count (bounded message). */
  private first: string | undefined;

  reject(where: string, reason: string): void {
    this.rejected++;
    if (this.first === undefined) this.first = `${where}: ${reason}`;
  }

  result(noun: string): Rejections {
    if (this.rejected === 0) return { rejected: 0 };
    const more = this.rejected > 1 ? ` (and ${this.rejected - 1} more)` : '';
    return { rejected: this.rejected, message: `${this.rejected} ${noun} rejected; first: ${this.first}${more}` };
  }
}
