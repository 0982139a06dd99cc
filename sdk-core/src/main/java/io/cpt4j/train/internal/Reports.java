package io.cpt4j.train.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cpt4j.backend.TrainingSession;
import io.cpt4j.checkpoint.Checkpoint;
import io.cpt4j.checkpoint.CheckpointWriter;
import io.cpt4j.checkpoint.DType;
import io.cpt4j.data.MixtureSampler;
import io.cpt4j.data.SamplerStats;
import io.cpt4j.eval.EvalPoint;
import io.cpt4j.eval.EvalReport;
import io.cpt4j.eval.SetReport;
import io.cpt4j.eval.ValidationCurve;
import io.cpt4j.plan.AnnealingLaw;
import io.cpt4j.plan.CurvePrediction;
import io.cpt4j.report.internal.MetricsRecord;
import io.cpt4j.train.RunConfig;
import io.cpt4j.train.TaskChange;
import io.cpt4j.train.TrainingReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The end of a run: the final model, the evaluation report from metrics.jsonl, the final-loss
 * predictions, report.json, plots.
 */
final class Reports {
  private Reports() {}

  static TrainingReport finish(RunConfig config, RunDirectory dir, TrainingSession session, Checkpoint base,
      long tokens, double lastLoss, long skipped, MixtureSampler sampler, FinalLossPredictions predictions,
      double seconds) {
    CheckpointWriter.to(dir.finalModel()).dtype(DType.F32).copyFilesFrom(base).overwrite(true)
        .write(session.weights());
    List<MetricsRecord> metrics = dir.metrics().read();
    for (MetricsRecord line : metrics) { // the last unskipped step's loss, also when this process ran none
      if (line instanceof MetricsRecord.TrainingStep s && !s.skipped()) {
        lastLoss = s.loss();
      }
    }
    List<ValidationCurve> curves = curves(metrics);
    EvalReport eval = EvalReport.of(curves);
    predictions.update(curves, session.steps()); // those of evaluations before a resume that ended the run
    SamplerStats stats = sampler.stats();
    Map<String, Long> perSource = new LinkedHashMap<>();
    stats.sources().forEach((name, s) -> perSource.put(name, s.tokens()));
    Path plots = dir.plots();
    Plotting.write(dir.metricsFile(), plots);
    predictions.plot(curves, plots);
    TrainingReport report = new TrainingReport(dir.root(), dir.finalModel(), session.steps(), tokens, skipped, lastLoss,
        eval, perSource, seconds, plots, taskChanges(metrics), predictions.all());
    dir.writeJson(dir.root().resolve("report.json"), json(report, stats));
    return report;
  }

  /** One curve per validation set from the evaluation lines, in first-seen order. */
  static List<ValidationCurve> curves(List<MetricsRecord> metrics) {
    Map<String, ValidationCurve> curves = new LinkedHashMap<>();
    for (MetricsRecord line : metrics) {
      if (!(line instanceof MetricsRecord.Evaluation e)) {
        continue;
      }
      e.losses().forEach((name, loss) -> {
        if (!Double.isFinite(loss)) {
          return; // a diverged evaluation is in metrics.jsonl, not in the curve
        }
        ValidationCurve c = curves.get(name);
        curves.put(name, c == null ? ValidationCurve.start(name, loss)
            : c.plus(new EvalPoint(e.step(), e.tokens(), loss)));
      });
    }
    return new ArrayList<>(curves.values());
  }

  /**
   * Per task and metric, in first-seen order, the value of the first task line (step 0) and of the
   * last one.
   */
  static List<TaskChange> taskChanges(List<MetricsRecord> metrics) {
    Map<String, Map<String, double[]>> values = new LinkedHashMap<>();
    for (MetricsRecord line : metrics) {
      if (line instanceof MetricsRecord.TaskScores t) {
        t.tasks().forEach((task, scores) -> scores.forEach((metric, v) -> {
          double[] firstLast = values.computeIfAbsent(task, k -> new LinkedHashMap<>())
              .computeIfAbsent(metric, k -> new double[] {v, v});
          firstLast[1] = v;
        }));
      }
    }
    List<TaskChange> changes = new ArrayList<>();
    values.forEach((task, scores) -> scores.forEach((metric, v) -> changes.add(new TaskChange(task, metric, v[0], v[1]))));
    return changes;
  }

  /**
   * A set's final-loss predictions, when they were on: {@code predictions}, every prediction as
   * {step, loss, lower, upper}, oldest first, and {@code prediction}, the last in full with the
   * final loss it predicted and its error (absent while there is none).
   */
  private static void putPredictions(ObjectNode set, List<CurvePrediction> predictions, double finalLoss) {
    if (predictions == null) {
      return;
    }
    if (!predictions.isEmpty()) {
      CurvePrediction p = predictions.getLast();
      AnnealingLaw l = p.law();
      ObjectNode last = set.putObject("prediction");
      last.put("step", p.step()).put("target_step", p.targetStep()).put("points", p.points()).put("loss", p.loss())
          .put("lower", p.lower()).put("upper", p.upper()).put("level", CurvePrediction.LEVEL).put("rmse", p.rmse())
          .put("actual", finalLoss).put("error", p.error(finalLoss)).put("covered", p.covers(finalLoss));
      last.putObject("law").put("form", "L(s) = l0 + a * S1(s)^-alpha - c * S2(s) (Tissue et al. 2024)")
          .put("l0", l.l0()).put("a", l.a()).put("alpha", l.alpha()).put("c", l.c()).put("lambda", l.decay());
    }
    var all = set.putArray("predictions");
    for (CurvePrediction p : predictions) {
      all.addObject().put("step", p.step()).put("loss", p.loss()).put("lower", p.lower()).put("upper", p.upper());
    }
  }

  private static ObjectNode json(TrainingReport r, SamplerStats stats) {
    ObjectNode o = RunConfigCodec.JSON.createObjectNode();
    o.put("run_directory", r.runDirectory().toString());
    o.put("final_model", r.finalModel().toString());
    o.put("steps", r.steps());
    o.put("tokens", r.tokens());
    o.put("skipped_steps", r.skippedSteps());
    o.put("final_training_loss", r.finalTrainingLoss());
    o.put("seconds", r.seconds());
    ObjectNode sets = o.putObject("evaluation");
    for (SetReport s : r.evaluation().sets()) {
      ObjectNode n = sets.putObject(s.name());
      n.put("initial_loss", s.initialLoss()).put("final_loss", s.finalLoss()).put("change", s.change())
          .put("relative_change", s.relativeChange()).put("min_loss", s.minLoss()).put("min_loss_step", s.minLossStep());
      ObjectNode gap = n.putObject("stability_gap");
      gap.put("max_rise", s.gap().maxRise()).put("max_rise_step", s.gap().maxRiseStep())
          .put("recovered", s.gap().recovered()).put("description", s.gap().describe());
      s.gap().recoveredStep().ifPresent(v -> gap.put("recovered_step", v));
      putPredictions(n, r.predictions().get(s.name()), s.finalLoss());
    }
    if (!r.tasks().isEmpty()) {
      ObjectNode tasks = o.putObject("tasks");
      for (TaskChange t : r.tasks()) {
        ObjectNode task = tasks.has(t.task()) ? (ObjectNode) tasks.get(t.task()) : tasks.putObject(t.task());
        task.putObject(t.metric()).put("initial", t.initial()).put("final", t.last()).put("change", t.change());
      }
    }
    ObjectNode src = o.putObject("tokens_per_source");
    r.tokensPerSource().forEach(src::put);
    ObjectNode packing = o.putObject("packing");
    packing.put("rows", stats.rows()).put("waste_fraction", stats.wasteFraction())
        .put("padding_fraction", stats.paddingFraction());
    var events = packing.putArray("events");
    stats.events().forEach(events::add);
    o.put("plots", r.plots().toString());
    return o;
  }
}
