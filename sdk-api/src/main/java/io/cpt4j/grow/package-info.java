/**
 * Growing a model's capacity while keeping its function: {@link io.cpt4j.grow.DepthGrowth} inserts
 * zero-output copies of decoder blocks (block expansion), reported by a {@link
 * io.cpt4j.grow.GrowthReport} that names the new layers; {@link io.cpt4j.grow.WidthGrowth} widens
 * every MLP by splitting neurons (bert2BERT), reported by a {@link io.cpt4j.grow.WidthGrowthReport}.
 */
package io.cpt4j.grow;
