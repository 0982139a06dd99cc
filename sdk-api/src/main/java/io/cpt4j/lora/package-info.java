/**
 * Low-rank adapters (LoRA) in the PEFT format: {@link io.cpt4j.lora.LoraExtraction} approximates the
 * difference between a fine-tuned model and its base by a truncated SVD of each linear weight's
 * delta and writes it as a PEFT adapter, reported by an {@link io.cpt4j.lora.ExtractionReport};
 * {@link io.cpt4j.lora.LoraAdapter} reads an adapter directory; {@link io.cpt4j.lora.LoraApplication}
 * merges an adapter into its base's weights and writes the checkpoint, reported by an {@link
 * io.cpt4j.lora.ApplicationReport}.
 */
package io.cpt4j.lora;
