import { probe } from './index';
test('remark loads under jest', () => { expect(probe('- [ ] T001 x').children[0].type).toBe('list'); });
