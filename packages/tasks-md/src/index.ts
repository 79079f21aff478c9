import { remark } from 'remark';
import remarkGfm from 'remark-gfm';
export function probe(text: string) { return remark().use(remarkGfm).parse(text); }
