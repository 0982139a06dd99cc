/**
 * Evaluation of continual pre-training: validation losses over a run and the metrics derived from
 * them, and benchmark tasks in lm-evaluation-harness's own terms.
 *
 * <p><b>Validation curves.</b> Each named validation set is evaluated on a fixed set of validation
 * batches (the same tokens every time) at step 0, before any update, and at intervals; its
 * evaluations form a {@link io.cpt4j.eval.ValidationCurve} of {@link io.cpt4j.eval.EvalPoint}s.
 * From a curve, {@link io.cpt4j.eval.SetReport} derives the change since step 0 (forgetting on a
 * general set, gain on a domain set) and the {@link io.cpt4j.eval.StabilityGap} (the largest rise
 * above the step-0 loss and the step at which the loss first returns below it). {@link
 * io.cpt4j.eval.EvalReport} gathers the sets. All these types are immutable values computed with
 * plain {@code double} arithmetic.
 *
 * <p><b>Tasks.</b> {@link io.cpt4j.eval.Task#read} reads a harness task YAML (or a minimal JSONL
 * file) with local data; {@link io.cpt4j.eval.Task#evaluate} turns its documents into {@link
 * io.cpt4j.eval.LoglikelihoodRequest}s (or, for {@code generate_until}, {@link
 * io.cpt4j.eval.GenerationRequest}s), has a {@link io.cpt4j.eval.Scorer} answer them and
 * aggregates the harness's metrics into a {@link io.cpt4j.eval.TaskResult}. Task YAML keys:
 *
 * <ul>
 *   <li>read: {@code task}, {@code output_type} ({@code multiple_choice}, {@code loglikelihood},
 *       {@code loglikelihood_rolling}, {@code generate_until}), {@code dataset_path}, {@code dataset_name}, {@code
 *       dataset_kwargs} ({@code data_files}, {@code data_dir}; {@code trust_remote_code} and
 *       {@code revision} ignored), {@code test_split}, {@code validation_split}, {@code
 *       training_split}, {@code fewshot_split}, {@code doc_to_text}, {@code doc_to_target}, {@code
 *       doc_to_choice}, {@code description}, {@code target_delimiter} (default {@code " "}),
 *       {@code fewshot_delimiter} (default {@code "\n\n"}), {@code num_fewshot} (default 0),
 *       {@code fewshot_config.sampler} ({@code default} or {@code first_n}), {@code metric_list}
 *       (names, with the harness's aggregation; {@code exact_match}'s {@code ignore_case}, {@code
 *       ignore_punctuation}, {@code ignore_numbers}, {@code regexes_to_ignore} in generation tasks),
 *       {@code include}; for {@code generate_until}: {@code generation_kwargs} ({@code until},
 *       {@code max_gen_toks}, {@code do_sample: false}, {@code temperature: 0}, {@code num_beams: 1})
 *       and {@code filter_list} ({@code regex}, {@code take_first}, {@code majority_vote}, {@code
 *       take_first_k}, {@code lowercase}, {@code uppercase}, {@code remove_whitespace});
 *   <li>ignored: {@code tag}, {@code group}, {@code group_alias}, {@code task_alias}, {@code
 *       metadata}, {@code version}, {@code should_decontaminate}, {@code
 *       doc_to_decontamination_query}, {@code unsafe_code}, {@code generation_kwargs} of a
 *       loglikelihood task, and its {@code filter_list} of {@code take_first} filters, {@code repeats:
 *       1}, {@code gen_prefix: null}; {@code top_p}, {@code top_k} under greedy generation;
 *   <li>refused, with a {@link io.cpt4j.eval.TaskException} naming the file, line and key: {@code
 *       do_sample: true}, beam search, any YAML tag such as {@code !function},
 *       {@code process_docs}, {@code process_results}, {@code custom_dataset}, {@code use_prompt},
 *       {@code doc_to_image}, {@code doc_to_audio}, {@code class}, other filters, other samplers,
 *       metrics cpt4j does not compute, several targets, multiple-input tasks, Hub datasets and
 *       non-JSON data (Parquet, CSV, Arrow), and unknown keys.
 * </ul>
 *
 * <p>A {@link io.cpt4j.eval.Scorer} answers the loglikelihood requests with a checkpoint (short
 * requests packed several to a row, choices sharing their context) or an exported ONNX model (one
 * request a row).
 */
package io.cpt4j.eval;
