/**
 * File writing shared by every part of cpt4j and open to applications: atomic (temp name, then
 * rename) writes and directory replacement, with clean-up of what a killed writer left.
 */
package io.cpt4j.files;
