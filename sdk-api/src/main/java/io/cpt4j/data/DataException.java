package io.cpt4j.data;

import io.cpt4j.Cpt4jException;

/**
 * A data source, token shard or sampler state that cannot be used: an unreadable or malformed file
 * (with its path and byte offset where known), a JSONL line without the requested field, invalid
 * UTF-8 under {@link Source.Utf8Errors#FAIL}, a shard whose header or index is corrupt, or a sampler
 * state that does not belong to the mixture it is restored into.
 */
public class DataException extends Cpt4jException {
  private static final long serialVersionUID = 1L;

  public DataException(String message) {
    super(message);
  }

  public DataException(String message, Throwable cause) {
    super(message, cause);
  }
}
