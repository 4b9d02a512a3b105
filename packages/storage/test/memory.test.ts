import { createMemoryStorage } from '../src/index'
import { describeCompliance } from './compliance'

describeCompliance('memory adapter compliance', {
  name: 'memory',
  create: async () => createMemoryStorage(),
})
