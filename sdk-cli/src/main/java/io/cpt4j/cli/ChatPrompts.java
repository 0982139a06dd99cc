package io.cpt4j.cli;

import io.cpt4j.onnx.OnnxException;
import io.cpt4j.tokenize.ChatMessage;
import io.cpt4j.tokenize.ChatTemplate;
import io.cpt4j.tokenize.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Chat prompts for {@code generate --chat} and {@code chat}: the model's template, rendered and encoded. */
final class ChatPrompts {
  private ChatPrompts() {}

  /** The chat template of the model in {@code dir}, or a clear error when it has none. */
  static ChatTemplate template(Path dir) {
    return ChatTemplate.of(dir).orElseThrow(() -> new OnnxException(dir + " has no chat template (no"
        + " chat_template.jinja and no chat_template in tokenizer_config.json): prompt it with plain text instead"));
  }

  /** [system] + user as {@code apply_chat_template(..., add_generation_prompt=True, tokenize=True)}. */
  static int[] encode(Path dir, Tokenizer tokenizer, String system, String user) {
    List<ChatMessage> messages = new ArrayList<>();
    if (system != null) {
      messages.add(ChatMessage.system(system));
    }
    messages.add(ChatMessage.user(user));
    return template(dir).encode(tokenizer, messages, true);
  }
}
