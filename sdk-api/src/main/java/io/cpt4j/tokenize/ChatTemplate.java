package io.cpt4j.tokenize;

import io.cpt4j.spi.Providers;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A model's chat template, rendered as transformers' {@code apply_chat_template} renders it (Jinja
 * with {@code trim_blocks} and {@code lstrip_blocks}, {@code raise_exception}, {@code
 * strftime_now}, {@code tojson}, the tokenizer's special tokens as variables). Found in a model
 * directory as transformers finds it: {@code chat_template.jinja}, else {@code
 * tokenizer_config.json}'s {@code chat_template} (a string, or a list of named templates of which
 * "default" is taken).
 *
 * <p>The rendered text already holds every special token the model's turn format wants (a
 * template that starts with {@code bos_token} emits it), so encode it with {@link
 * Tokenizer#encode(String)} (no special tokens added), as transformers does; {@link #encode} does
 * both.
 *
 * <p>Thread-safe: render from any thread.
 */
public interface ChatTemplate {

  /**
   * The chat template of the model in {@code modelDir}, or empty when it has none.
   *
   * @throws io.cpt4j.checkpoint.CheckpointException when a file holding it is malformed
   */
  static Optional<ChatTemplate> of(Path modelDir) {
    return Providers.tokenizer().chatTemplate(modelDir);
  }

  /**
   * The conversation as text; with {@code addGenerationPrompt} it ends with the header of the
   * assistant's turn, ready for generation.
   *
   * @throws ChatTemplateException when the template fails or rejects the conversation (its {@code
   *     raise_exception} message)
   */
  String render(List<ChatMessage> messages, boolean addGenerationPrompt);

  /**
   * The general form: messages as maps (any field the template reads passes through, e.g. {@code
   * tool_calls}) and extra variables such as {@code tools}, {@code documents} or {@code
   * enable_thinking}.
   */
  String render(List<Map<String, Object>> messages, boolean addGenerationPrompt, Map<String, Object> extraContext);

  /** Where the template came from: a file, or a file and its key. */
  String origin();

  /** The token ids of the rendered conversation, as {@code apply_chat_template(..., tokenize=True)}. */
  default int[] encode(Tokenizer tokenizer, List<ChatMessage> messages, boolean addGenerationPrompt) {
    return tokenizer.encode(render(messages, addGenerationPrompt));
  }
}
