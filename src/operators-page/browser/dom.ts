/**
 * The page's only way to make DOM: elements by tag name, attributes by setAttribute, and every string child as a
 * text node. There is no HTML parsing anywhere (ESLint forbids innerHTML and its kin here, and the page's
 * Content-Security-Policy makes the browser refuse them too), so a value from Jumio or a backend such as
 * `<img src=x onerror=alert(1)>` can only ever show as those characters.
 */

export type Child = Node | string | number | null | undefined | false | readonly Child[];

export interface Props {
  class?: string;
  /** Event listeners; attributes named on* are refused. */
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (event: HTMLElementEventMap[K]) => void }>;
  [attribute: string]: unknown;
}

/** Links go to the page's own routes (#/...), the service's own paths, or blob: URLs of media fetched with the key. */
const SAFE_URL = /^(#|\/(?!\/)|blob:)/;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (name === 'on') {
      for (const [type, listener] of Object.entries(value as Record<string, EventListener>))
        element.addEventListener(type, listener);
    } else if (/^on/i.test(name)) {
      throw new Error(`attribute ${name} refused: pass listeners in "on"`);
    } else if (value === false || value === null || value === undefined) {
      continue;
    } else {
      const text = value === true ? '' : String(value);
      if ((name === 'href' || name === 'src') && !SAFE_URL.test(text)) throw new Error(`${name} refused: ${text}`);
      element.setAttribute(name, text);
    }
  }
  append(element, children);
  return element;
}

export function append(parent: Node, children: readonly Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else if (child instanceof Node) parent.appendChild(child);
    else parent.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces what `parent` shows. */
export function show(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}
