// Why the correlator left something out of its bounded state; every such decision is reported
// through CorrelatorOptions.onDrop with one of these, so none is silent.
export type DropReason =
  | 'span_detail_cap'
  | 'log_detail_cap'
  | 'key_values_cap'
  | 'related_traces_cap'
  | 'link_fanout_cap'
  | 'grace_buffer_full';
