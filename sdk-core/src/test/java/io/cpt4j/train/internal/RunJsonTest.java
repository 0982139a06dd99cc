package io.cpt4j.train.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.cpt4j.checkpoint.Architecture;
import io.cpt4j.checkpoint.ModelConfig;
import io.cpt4j.train.RunConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run file read, resolved and written as {@code run.json} gives the same bytes as before RunConfig
 * was built by a builder (texts recorded from the 22-argument-constructor version), and run.json reads
 * back into the same configuration.
 */
class RunJsonTest {
  @TempDir Path tmp;
  private static final ModelConfig MODEL = ModelConfig.builder(Architecture.LLAMA).maxPositionEmbeddings(64).build();

  private static final String EVERY_KEY = """
      base: base
      tokenizer: tok.json
      output: out
      data_cache: cache
      backend: "cpu:2"
      schedule: {type: warmup-decay, max_lr: 0.01, warmup_steps: 2, shape: cosine, min_lr: 0.001}
      mixture:
        seed: 7
        metadata_conditioning: 0.25
        sources:
          - {name: code, blocks: code, weight: 0.7, metadata: {lang: java}, replace_invalid_utf8: true}
          - name: general
            jsonl: general.jsonl
            field: body
            metadata_fields: [url]
            weight: 0.3
            replay: true
            limits: {token_budget: 5000, on_exhausted: stop}
        schedule:
          - {at: 1.0, weights: [0.9, 0.1]}
      validation:
        held: {name: web, text: web, split: {fraction: 0.1, seed: 3, side: validation}}
        general: {jsonl: general.jsonl}
      tokens: 1000
      sequence_length: 16
      batch_tokens: 64
      micro_batch_tokens: 32
      optimizer: {beta1: 0.8, weight_decay: 0.05, decay_embeddings: false, max_grad_norm: 0.5}
      precision: fp16
      activation_checkpointing: true
      evaluate_every: 4
      checkpoint_every: 2
      keep_last_checkpoints: 3
      validation_tokens: 128
      seed: 9
      max_bad_steps: 7
      special_tokens: false
      predict_final_loss: false
      """;

  private static final String EVERY_KEY_JSON = """
      {
        "base" : "$TMP/base",
        "tokenizer" : "$TMP/tok.json",
        "schedule" : {
          "type" : "warmup-decay",
          "max_lr" : 0.01,
          "min_lr" : 0.001,
          "shape" : "cosine",
          "start_lr" : 0.0,
          "warmup_steps" : 2
        },
        "mixture" : {
          "sources" : [ {
            "name" : "code",
            "blocks" : "$TMP/code",
            "metadata" : {
              "lang" : "java"
            },
            "replace_invalid_utf8" : true,
            "weight" : 0.7,
            "replay" : false,
            "limits" : {
              "token_budget" : 0,
              "subset_documents" : 0,
              "epochs" : 1,
              "on_exhausted" : "restart"
            }
          }, {
            "name" : "general",
            "jsonl" : "$TMP/general.jsonl",
            "field" : "body",
            "metadata_fields" : [ "url" ],
            "weight" : 0.3,
            "replay" : true,
            "limits" : {
              "token_budget" : 5000,
              "subset_documents" : 0,
              "epochs" : 1,
              "on_exhausted" : "stop"
            }
          } ],
          "schedule" : [ {
            "at" : 1.0,
            "weights" : [ 0.9, 0.1 ]
          } ],
          "seed" : 7,
          "metadata_conditioning" : 0.25
        },
        "tokens" : 1024,
        "steps" : 16,
        "sequence_length" : 16,
        "batch_tokens" : 64,
        "micro_batch_tokens" : 32,
        "optimizer" : {
          "beta1" : 0.8,
          "beta2" : 0.95,
          "eps" : 1.0E-8,
          "weight_decay" : 0.05,
          "decay_embeddings" : false,
          "max_grad_norm" : 0.5
        },
        "precision" : "fp16_mixed",
        "activation_checkpointing" : true,
        "backend" : "cpu:2",
        "validation" : {
          "held" : {
            "name" : "web",
            "text" : "$TMP/web",
            "split" : {
              "fraction" : 0.1,
              "seed" : 3,
              "side" : "validation"
            }
          },
          "general" : {
            "name" : "$TMP/general.jsonl",
            "jsonl" : "$TMP/general.jsonl",
            "field" : "text"
          }
        },
        "validation_tokens" : 128,
        "evaluate_every" : 4,
        "checkpoint_every" : 2,
        "keep_last_checkpoints" : 3,
        "seed" : 9,
        "output" : "$TMP/out",
        "data_cache" : "$TMP/cache",
        "max_bad_steps" : 7,
        "special_tokens" : false,
        "predict_final_loss" : false
      }""";

  private static final String FEWEST_KEYS = """
      base: base
      output: out
      schedule: {type: constant, lr: 1.0e-4}
      mixture: {sources: [{name: a, text: a, weight: 1.0}]}
      steps: 20
      """;

  private static final String FEWEST_KEYS_JSON = """
      {
        "base" : "$TMP/base",
        "tokenizer" : "$TMP/base/tokenizer.json",
        "schedule" : {
          "type" : "constant",
          "lr" : 1.0E-4,
          "start_lr" : 0.0,
          "warmup_steps" : 0
        },
        "mixture" : {
          "sources" : [ {
            "name" : "a",
            "text" : "$TMP/a",
            "weight" : 1.0,
            "replay" : false,
            "limits" : {
              "token_budget" : 0,
              "subset_documents" : 0,
              "epochs" : 1,
              "on_exhausted" : "restart"
            }
          } ],
          "schedule" : [ ],
          "seed" : 0,
          "metadata_conditioning" : 0.0
        },
        "tokens" : 10240,
        "steps" : 20,
        "sequence_length" : 64,
        "batch_tokens" : 512,
        "micro_batch_tokens" : 512,
        "optimizer" : {
          "beta1" : 0.9,
          "beta2" : 0.95,
          "eps" : 1.0E-8,
          "weight_decay" : 0.1,
          "decay_embeddings" : true,
          "max_grad_norm" : 1.0
        },
        "precision" : "fp32",
        "activation_checkpointing" : false,
        "backend" : "cpu:CORES",
        "validation" : { },
        "validation_tokens" : 65536,
        "evaluate_every" : 2,
        "checkpoint_every" : 0,
        "keep_last_checkpoints" : 2,
        "seed" : 0,
        "output" : "$TMP/out",
        "data_cache" : "$TMP/out/data",
        "max_bad_steps" : 5,
        "special_tokens" : true
      }""";

  /** The run file resolved and written as CoreTrainerProvider writes run.json, with tmp masked. */
  private String runJson(String yaml, Path runJson) throws IOException {
    Files.createDirectories(tmp.resolve("base"));
    Files.writeString(tmp.resolve("tok.json"), "{}");
    Files.writeString(tmp.resolve("base/tokenizer.json"), "{}");
    RunConfig read = RunConfigCodec.readYaml(Files.writeString(tmp.resolve("run.yaml"), yaml));
    RunConfig resolved = RunResolver.resolve(read, MODEL);
    new RunDirectory(tmp).writeJson(runJson, RunConfigCodec.toTree(resolved));
    RunConfig back = RunConfigCodec.readJson(runJson);
    assertThat(back).isEqualTo(resolved);
    assertThat(RunConfigCodec.toTree(back)).isEqualTo(RunConfigCodec.toTree(resolved));
    return Files.readString(runJson).replace(tmp.toAbsolutePath().toString(), "$TMP");
  }

  @Test
  void aRunFileWithEveryKeyWritesTheSameRunJsonAsBefore() throws IOException {
    assertThat(runJson(EVERY_KEY, tmp.resolve("run.json"))).isEqualTo(EVERY_KEY_JSON);
  }

  @Test
  void aRunFileWithOnlyTheRequiredKeysTakesTheDefaultsItTookBefore() throws IOException {
    assertThat(runJson(FEWEST_KEYS, tmp.resolve("run.json")))
        .isEqualTo(FEWEST_KEYS_JSON.replace("cpu:CORES", "cpu:" + Runtime.getRuntime().availableProcessors()));
  }
}
