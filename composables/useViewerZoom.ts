import type { Ref } from 'vue'

export const MIN_ZOOM = 1
export const MAX_ZOOM = 8
/** What a double click / double tap and the + key zoom by. */
const STEP = 2
const DOUBLE_TAP_MS = 350
const SWIPE_PX = 50

interface Point { x: number, y: number }

const clamp = (value: number, min: number, max: number) => Math.min(max, Math.max(min, value))

/**
 * Zoom and pan for the viewer's photo: wheel, pinch, double click / double tap, keys (step, reset), and
 * a drag to pan while zoomed. At 1× a horizontal swipe calls `swipe(±1)` (next / previous photo).
 * `transform` goes on the photo's frame, which is centred in `stage`.
 */
export function useViewerZoom(stage: Ref<HTMLElement | null | undefined>, swipe: (step: 1 | -1) => void) {
  const scale = ref(1)
  const pan = ref<Point>({ x: 0, y: 0 })
  const zoomed = computed(() => scale.value > 1.001)
  const transform = computed(() => (zoomed.value ? `translate(${pan.value.x}px, ${pan.value.y}px) scale(${scale.value})` : undefined))

  const pointers = new Map<number, Point>()
  let start: { point: Point, pan: Point, time: number } | null = null
  let pinch: { distance: number, scale: number } | null = null
  let lastTap: { point: Point, time: number } | null = null
  let lastPointerType = 'mouse'

  function centre(): Point {
    const rect = stage.value?.getBoundingClientRect()
    return rect ? { x: rect.left + rect.width / 2, y: rect.top + rect.height / 2 } : { x: 0, y: 0 }
  }

  /** Keeps the photo from being pushed off the stage: at most half its zoomed overhang each way. */
  function clampPan(point: Point, s: number): Point {
    const frame = stage.value?.querySelector<HTMLElement>('.frame')
    const w = frame?.offsetWidth ?? 0
    const h = frame?.offsetHeight ?? 0
    const mx = ((s - 1) * w) / 2
    const my = ((s - 1) * h) / 2
    return { x: clamp(point.x, -mx, mx), y: clamp(point.y, -my, my) }
  }

  /** Zooms to `next`, keeping the point `at` (screen coordinates; default: the centre) where it is. */
  function zoomTo(next: number, at?: Point) {
    const s = scale.value
    const target = clamp(next, MIN_ZOOM, MAX_ZOOM)
    if (target <= MIN_ZOOM + 0.001) return reset()
    const c = centre()
    const p = at ?? c
    const ratio = target / s
    const moved = {
      x: (p.x - c.x) - ratio * (p.x - c.x - pan.value.x),
      y: (p.y - c.y) - ratio * (p.y - c.y - pan.value.y),
    }
    scale.value = target
    pan.value = clampPan(moved, target)
  }

  function reset() {
    scale.value = 1
    pan.value = { x: 0, y: 0 }
  }

  /** The + and − keys: one step in or out. */
  function step(direction: 1 | -1) {
    zoomTo(direction > 0 ? scale.value * STEP : scale.value / STEP)
  }

  function toggle(at: Point) {
    if (zoomed.value) reset()
    else zoomTo(STEP * 1.25, at)
  }

  function onWheel(event: WheelEvent) {
    event.preventDefault()
    const delta = event.deltaMode === 1 ? event.deltaY * 16 : event.deltaY
    zoomTo(scale.value * Math.exp(-delta * 0.002), { x: event.clientX, y: event.clientY })
  }

  function onDoubleClick(event: MouseEvent) {
    // A double tap is handled in onPointerUp (not every touch browser sends dblclick).
    if (lastPointerType === 'touch') return
    if ((event.target as HTMLElement).closest('button, a')) return
    toggle({ x: event.clientX, y: event.clientY })
  }

  const distance = () => {
    const [a, b] = [...pointers.values()]
    return a && b ? Math.hypot(a.x - b.x, a.y - b.y) : 0
  }
  const midpoint = (): Point => {
    const [a, b] = [...pointers.values()]
    return a && b ? { x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 } : centre()
  }

  function onPointerDown(event: PointerEvent) {
    if ((event.target as HTMLElement).closest('button, a')) return
    lastPointerType = event.pointerType
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY })
    ;(event.currentTarget as HTMLElement | null)?.setPointerCapture?.(event.pointerId)
    if (pointers.size === 2) {
      pinch = { distance: distance(), scale: scale.value }
      start = null
    }
    else if (pointers.size === 1) {
      start = { point: { x: event.clientX, y: event.clientY }, pan: { ...pan.value }, time: Date.now() }
    }
  }

  function onPointerMove(event: PointerEvent) {
    if (!pointers.has(event.pointerId)) return
    pointers.set(event.pointerId, { x: event.clientX, y: event.clientY })
    if (pinch && pointers.size >= 2) {
      const d = distance()
      if (pinch.distance > 0) zoomTo(pinch.scale * (d / pinch.distance), midpoint())
    }
    else if (start && zoomed.value) {
      pan.value = clampPan({
        x: start.pan.x + event.clientX - start.point.x,
        y: start.pan.y + event.clientY - start.point.y,
      }, scale.value)
    }
  }

  function onPointerUp(event: PointerEvent) {
    if (!pointers.delete(event.pointerId)) return
    if (pinch) {
      // One finger lifted after a pinch: no swipe or tap from the other one.
      if (pointers.size === 0) pinch = null
      start = null
      return
    }
    const begun = start
    start = null
    if (!begun) return
    const dx = event.clientX - begun.point.x
    const dy = event.clientY - begun.point.y
    if (!zoomed.value && Math.abs(dx) > SWIPE_PX && Math.abs(dx) > Math.abs(dy) * 1.5) {
      swipe(dx < 0 ? 1 : -1)
      return
    }
    // A tap: two in quick succession at about the same place zoom in or out.
    if (event.pointerType === 'touch' && Math.hypot(dx, dy) < 10) {
      const now = Date.now()
      const point = { x: event.clientX, y: event.clientY }
      if (lastTap && now - lastTap.time < DOUBLE_TAP_MS && Math.hypot(point.x - lastTap.point.x, point.y - lastTap.point.y) < 30) {
        lastTap = null
        toggle(point)
      }
      else {
        lastTap = { point, time: now }
      }
    }
  }

  function onPointerCancel(event: PointerEvent) {
    pointers.delete(event.pointerId)
    if (!pointers.size) pinch = null
    start = null
  }

  return { scale, pan, zoomed, transform, zoomTo, step, reset, onWheel, onDoubleClick, onPointerDown, onPointerMove, onPointerUp, onPointerCancel }
}
