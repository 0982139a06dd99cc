package io.cpt4j.tokenize.internal;

import io.cpt4j.tokenize.ChatMessage;
import io.cpt4j.tokenize.ChatTemplate;
import java.util.List;
import java.util.Map;

/** {@link JinjaChatTemplate} behind the public {@link ChatTemplate}. Thread-safe as the template is. */
final class JinjaChatTemplates {
  private JinjaChatTemplates() {}

  static ChatTemplate of(JinjaChatTemplate t) {
    return new ChatTemplate() {
      @Override
      public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        return t.render(messages, addGenerationPrompt);
      }

      @Override
      public String render(List<Map<String, Object>> messages, boolean addGenerationPrompt,
          Map<String, Object> extraContext) {
        return t.render(messages, addGenerationPrompt, extraContext);
      }

      @Override
      public String origin() {
        return t.origin();
      }

      @Override
      public String toString() {
        return t.toString();
      }
    };
  }
}
