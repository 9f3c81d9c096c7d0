// Overlays ESO's pkg/generator/register at build time: no generator is compiled in.
package register
