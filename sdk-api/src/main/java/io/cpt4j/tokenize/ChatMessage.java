package io.cpt4j.tokenize;

import java.util.Objects;

/**
 * One turn of a conversation as a chat template sees it: a {@code role} ({@code "system"},
 * {@code "user"}, {@code "assistant"}, or whatever other role the model's template knows) and its
 * text. A template receives it as the map {@code {"role": ..., "content": ...}}, the shape
 * transformers' {@code apply_chat_template} takes; messages with more fields (tool calls, content
 * parts) go to the template as maps instead.
 *
 * <p>Immutable and thread-safe.
 *
 * @param role the speaker, never null
 * @param content the text of the turn, never null (may be empty)
 */
public record ChatMessage(String role, String content) {

  public ChatMessage {
    Objects.requireNonNull(role, "role must not be null");
    Objects.requireNonNull(content, "content must not be null (role " + role + ")");
  }

  /** A {@code "system"} message. */
  public static ChatMessage system(String content) {
    return new ChatMessage("system", content);
  }

  /** A {@code "user"} message. */
  public static ChatMessage user(String content) {
    return new ChatMessage("user", content);
  }

  /** An {@code "assistant"} message. */
  public static ChatMessage assistant(String content) {
    return new ChatMessage("assistant", content);
  }
}
