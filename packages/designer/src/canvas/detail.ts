/**
 * Level of detail on the canvas. Below `detailZoom` a card's text is a few pixels tall and
 * unreadable, so cards and edges draw a simpler picture (see `node-views.tsx`, `edge-views.tsx`):
 * a large flow fitted to the screen shows hundreds of cards, and each element they leave out is
 * work the browser does not redo on every frame of a pan.
 */
import type { ReactFlowState } from '@xyflow/react';

/** The zoom from which cards show everything (kind, icon, summary, exit names, edge labels). */
export const detailZoom = 0.35;

/**
 * Flows with fewer steps always show every detail: drawing them costs nothing worth saving, and
 * a diagram (an imported one, say) fitted to the screen at a low zoom keeps its familiar cards.
 */
export const detailAlwaysBelow = 200;

/**
 * Store selector: whether the canvas shows details (zoomed in far enough, or a small flow). Components read it
 * with `useStore(showsDetail)`, so they re-render when the zoom crosses `detailZoom`, not on
 * every frame of a zoom or pan.
 */
export const showsDetail = (state: Pick<ReactFlowState, 'transform' | 'nodeLookup'>): boolean =>
  state.transform[2] >= detailZoom || state.nodeLookup.size < detailAlwaysBelow;
